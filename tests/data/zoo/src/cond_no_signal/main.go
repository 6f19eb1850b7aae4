// Command cond_no_signal: each tenant has a job queue drained by three
// consumers that wait on a sync.Cond while the queue is empty. Closing a
// tenant sets the closed flag but forgets to Broadcast, so its consumers
// sleep forever in "sync.Cond.Wait".
//
// Classic pattern (Cond.Wait with no Signal/Broadcast on the shutdown path),
// as in GoBench's kubernetes and cockroach Cond bugs.
package main

import (
	"fmt"
	"sync"

	"example.com/zoo/internal/harness"
)

type Job struct {
	Tenant string
	N      int
}

type Queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []Job
	closed bool
}

func NewQueue() *Queue {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *Queue) Push(j Job) {
	q.mu.Lock()
	q.items = append(q.items, j)
	q.mu.Unlock()
	q.cond.Signal()
}

// Pop blocks until a job is available or the queue is closed.
func (q *Queue) Pop() (Job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return Job{}, false
	}
	j := q.items[0]
	q.items = q.items[1:]
	return j, true
}

func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	// BUG: q.cond.Broadcast() is missing.
}

type Tenant struct {
	Name string
	q    *Queue
	done sync.WaitGroup
	mu   sync.Mutex
	sum  int
}

func (t *Tenant) consume() {
	defer t.done.Done()
	for {
		j, ok := t.q.Pop()
		if !ok {
			return
		}
		t.mu.Lock()
		t.sum += j.N
		t.mu.Unlock()
	}
}

func (t *Tenant) start(consumers int) {
	for i := 0; i < consumers; i++ {
		t.done.Add(1)
		go t.consume()
	}
}

func main() {
	run := harness.Start("cond_no_signal")
	var tenants []*Tenant
	for i := 0; i < 4; i++ {
		t := &Tenant{Name: fmt.Sprintf("tenant-%d", i), q: NewQueue()}
		t.start(3)
		tenants = append(tenants, t)
		for n := 0; n < 50; n++ {
			t.q.Push(Job{Tenant: t.Name, N: n})
		}
		run.Await(3*(i+1), "sync.Cond.Wait", "main.(*Queue).Pop")
		t.q.Close()
		if i == 0 || i == 2 {
			run.Snapshot()
		}
	}
	run.Finish()
}
