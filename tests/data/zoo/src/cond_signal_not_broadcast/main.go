// Command cond_signal_not_broadcast: a scheduler parks its task runners on a
// start gate (a sync.Cond) until the cluster is ready. Open sets the flag and
// calls Signal instead of Broadcast, so exactly one runner of each gate
// wakes; the others stay in "sync.Cond.Wait".
//
// Classic pattern (Signal where Broadcast was needed; lost wake-ups), as in
// GoBench's Cond bugs.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Gate struct {
	mu   sync.Mutex
	cond *sync.Cond
	open bool
}

func NewGate() *Gate {
	g := &Gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *Gate) Wait() {
	g.mu.Lock()
	for !g.open {
		g.cond.Wait()
	}
	g.mu.Unlock()
}

func (g *Gate) Open() {
	g.mu.Lock()
	g.open = true
	g.mu.Unlock()
	g.cond.Signal() // BUG: wakes only one waiter
}

type Scheduler struct {
	mu   sync.Mutex
	ran  []string
	gate *Gate
}

func (s *Scheduler) runner(name string) {
	s.gate.Wait()
	s.mu.Lock()
	s.ran = append(s.ran, name)
	s.mu.Unlock()
}

func (s *Scheduler) spawn(n int, prefix string) {
	for i := 0; i < n; i++ {
		go s.runner(fmt.Sprintf("%s-%d", prefix, i))
	}
}

func main() {
	run := harness.Start("cond_signal_not_broadcast")
	total := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		s := &Scheduler{gate: NewGate()}
		n := []int{0, 8, 6, 7}[wave]
		s.spawn(n, fmt.Sprintf("cluster%d", wave))
		run.Await(total+n, "sync.Cond.Wait", "main.(*Gate).Wait")
		s.gate.Open()
		total += n - 1
		run.Await(total, "sync.Cond.Wait", "main.(*Gate).Wait")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
