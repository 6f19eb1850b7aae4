// Command pool_idle (healthy): a fixed pool of 8 workers handles a burst of
// thumbnail jobs and then sits idle on the jobs channel ("chan receive")
// waiting for the next burst. The pool is owned by a long-lived service and
// the count never grows: 8 idle workers are not a leak.
package main

import (
	"crypto/sha1"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Job struct {
	ID   int
	Data []byte
}

type Pool struct {
	jobs    chan Job
	mu      sync.Mutex
	results map[int][20]byte
	pending sync.WaitGroup
}

func NewPool(workers int) *Pool {
	p := &Pool{jobs: make(chan Job), results: map[int][20]byte{}}
	for i := 0; i < workers; i++ {
		go p.worker()
	}
	return p
}

func (p *Pool) worker() {
	for j := range p.jobs {
		sum := sha1.Sum(j.Data)
		p.mu.Lock()
		p.results[j.ID] = sum
		p.mu.Unlock()
		p.pending.Done()
	}
}

func (p *Pool) Submit(j Job) {
	p.pending.Add(1)
	p.jobs <- j
}

func main() {
	run := harness.Start("pool_idle")
	p := NewPool(8)
	id := 0
	for burst := 1; burst <= 3; burst++ {
		for i := 0; i < 100; i++ {
			p.Submit(Job{ID: id, Data: []byte(fmt.Sprintf("image-%d", id))})
			id++
		}
		p.pending.Wait()
		run.Await(8, "chan receive", "main.(*Pool).worker")
		time.Sleep(100 * time.Millisecond) // idle between bursts
		if burst < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
	close(p.jobs)
}
