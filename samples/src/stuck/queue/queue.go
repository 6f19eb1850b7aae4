// Package queue is a worker pool whose job channel is never fed, so every
// worker waits in "chan receive" for as long as the process lives.
package queue

import (
	"context"
	"runtime/pprof"
)

// Pool owns the job channel and the workers reading it.
type Pool struct {
	name string
	jobs chan func()
}

// NewPool starts n workers labelled with the queue name.
func NewPool(name string, n int) *Pool {
	p := &Pool{name: name, jobs: make(chan func())}
	for i := 0; i < n; i++ {
		go p.worker()
	}
	return p
}

func (p *Pool) worker() {
	pprof.Do(context.Background(), pprof.Labels("queue", p.name), func(context.Context) {
		for job := range p.jobs {
			job()
		}
	})
}
