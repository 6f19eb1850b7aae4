package healthy_pool

import (
	"sync"
	"sync/atomic"
	"testing"
)

type Pool struct {
	jobs chan func()
	wg   sync.WaitGroup
}

func NewPool(n int) *Pool {
	p := &Pool{jobs: make(chan func())}
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		go p.worker(i)
	}
	return p
}

func (p *Pool) worker(id int) {
	defer p.wg.Done()
	for job := range p.jobs {
		job()
	}
}

func (p *Pool) Submit(f func()) { p.jobs <- f }
func (p *Pool) Close()          { close(p.jobs); p.wg.Wait() }

var pool = NewPool(8)

func TestPoolRunsJobs(t *testing.T) {
	var n int64
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		pool.Submit(func() { atomic.AddInt64(&n, 1); wg.Done() })
	}
	wg.Wait()
	if n != 100 {
		t.Fatal(n)
	}
	afterDump = append(afterDump, pool.Close)
}
