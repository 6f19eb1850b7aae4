package healthy_condqueue

import (
	"sync"
	"testing"
	"time"
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

func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
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

func consume(q *Queue, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		if _, ok := q.Get(); !ok {
			return
		}
	}
}

func produce(q *Queue, stop <-chan struct{}) {
	t := time.NewTicker(400 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-t.C:
			q.Put(i)
		case <-stop:
			return
		}
	}
}

func TestQueue(t *testing.T) {
	q := NewQueue()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go consume(q, &wg)
	}
	stop := make(chan struct{})
	go produce(q, stop)
	q.Put(-1)
	afterDump = append(afterDump, func() { close(stop); q.Close(); wg.Wait() })
}
