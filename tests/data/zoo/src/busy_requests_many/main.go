// Command busy_requests_many (healthy): a gateway handles requests that
// each wait 40-80 ms for a backend reply (or a 1 s timeout) in a "select".
// New requests arrive at a constant rate, old ones finish, so about 300
// request goroutines are always in flight, each a few tens of
// milliseconds old: many goroutines with the same stack, constant count,
// constant churn, no leak.
package main

import (
	"math/rand"
	"sync"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type Reply struct {
	Status int
}

type Backend struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func (b *Backend) Call(reply chan<- Reply) {
	b.mu.Lock()
	d := time.Duration(40+b.rng.Intn(40)) * time.Millisecond
	b.mu.Unlock()
	time.AfterFunc(d, func() { reply <- Reply{Status: 200} })
}

type Gateway struct {
	backend  *Backend
	served   atomic.Int64
	timeouts atomic.Int64
}

func (g *Gateway) handle(wg *sync.WaitGroup) {
	defer wg.Done()
	reply := make(chan Reply, 1)
	g.backend.Call(reply)
	select {
	case <-reply:
		g.served.Add(1)
	case <-time.After(time.Second):
		g.timeouts.Add(1)
	}
}

func (g *Gateway) accept(stop *atomic.Bool, wg *sync.WaitGroup) {
	defer wg.Done()
	var reqs sync.WaitGroup
	for !stop.Load() {
		for i := 0; i < 10; i++ {
			reqs.Add(1)
			go g.handle(&reqs)
		}
		time.Sleep(2 * time.Millisecond)
	}
	reqs.Wait()
}

func main() {
	run := harness.Start("busy_requests_many")
	g := &Gateway{backend: &Backend{rng: rand.New(rand.NewSource(11))}}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go g.accept(&stop, &wg)
	for i := 0; i < 2; i++ {
		time.Sleep(200 * time.Millisecond)
		run.Snapshot()
	}
	time.Sleep(200 * time.Millisecond)
	run.Finish()
	stop.Store(true)
	wg.Wait()
}
