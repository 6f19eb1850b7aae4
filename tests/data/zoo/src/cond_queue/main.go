// Command cond_queue (healthy): a bounded work queue built on sync.Cond with
// four active producers and 16 consumers. Consumers wait in "sync.Cond.Wait"
// whenever the queue is empty and are woken by Signal on every push, so at
// any dump many of them are in Cond.Wait, but the queue keeps moving and
// the count stays at 16+4.
package main

import (
	"sync"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type Queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []int
	closed bool
}

func NewQueue() *Queue {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *Queue) Put(v int) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.cond.Signal()
}

func (q *Queue) Get() (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return 0, false
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v, true
}

func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

func producer(q *Queue, base int, stop *atomic.Bool, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; !stop.Load(); i++ {
		q.Put(base + i)
		time.Sleep(500 * time.Microsecond)
	}
}

func consumer(q *Queue, sum *atomic.Int64, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		v, ok := q.Get()
		if !ok {
			return
		}
		sum.Add(int64(v))
		time.Sleep(time.Millisecond) // the work
	}
}

func main() {
	run := harness.Start("cond_queue")
	q := NewQueue()
	var stop atomic.Bool
	var sum atomic.Int64
	var producers, consumers sync.WaitGroup
	for i := 0; i < 16; i++ {
		consumers.Add(1)
		go consumer(q, &sum, &consumers)
	}
	for i := 0; i < 4; i++ {
		producers.Add(1)
		go producer(q, i*1000000, &stop, &producers)
	}
	for i := 0; i < 2; i++ {
		time.Sleep(120 * time.Millisecond)
		run.Snapshot()
	}
	time.Sleep(120 * time.Millisecond)
	run.Finish()
	stop.Store(true)
	producers.Wait()
	q.Close()
	consumers.Wait()
}
