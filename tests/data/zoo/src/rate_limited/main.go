// Command rate_limited (healthy): a producer emits webhook deliveries at a
// fixed rate paced by a time.Ticker; four consumers deliver them. The
// producer waits in "select" on the ticker, the consumers in "chan receive"
// on the queue: steady state, constant goroutine count.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type Delivery struct {
	URL  string
	Body string
}

type Limiter struct {
	t *time.Ticker
}

func (l *Limiter) Wait(stop <-chan struct{}) bool {
	select {
	case <-l.t.C:
		return true
	case <-stop:
		return false
	}
}

type Dispatcher struct {
	queue     chan Delivery
	delivered atomic.Int64
}

func (d *Dispatcher) produce(l *Limiter, stop <-chan struct{}) {
	defer close(d.queue)
	for i := 0; l.Wait(stop); i++ {
		d.queue <- Delivery{URL: fmt.Sprintf("https://hooks.example/%d", i%7), Body: fmt.Sprintf(`{"n":%d}`, i)}
	}
}

func (d *Dispatcher) consume(wg *sync.WaitGroup) {
	defer wg.Done()
	for dl := range d.queue {
		_ = len(dl.Body)
		time.Sleep(300 * time.Microsecond) // the POST
		d.delivered.Add(1)
	}
}

func main() {
	run := harness.Start("rate_limited")
	d := &Dispatcher{queue: make(chan Delivery, 16)}
	l := &Limiter{t: time.NewTicker(2 * time.Millisecond)}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go d.consume(&wg)
	}
	go d.produce(l, stop)
	for i := 0; i < 2; i++ {
		time.Sleep(120 * time.Millisecond)
		run.Snapshot()
	}
	time.Sleep(120 * time.Millisecond)
	run.Finish()
	close(stop)
	wg.Wait()
	l.t.Stop()
}
