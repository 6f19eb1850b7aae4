package cockroach1055

import (
	"sync"
	"testing"
	"time"
)

type Stopper struct {
	stopper  chan struct{}
	stop     sync.WaitGroup
	mu       sync.Mutex
	draining bool
	drain    sync.WaitGroup
}

func NewStopper() *Stopper { return &Stopper{stopper: make(chan struct{})} }

func (s *Stopper) RunWorker(f func()) {
	s.stop.Add(1)
	go func() {
		defer s.stop.Done()
		f()
	}()
}

func (s *Stopper) StartTask() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	s.drain.Add(1)
	return true
}

func (s *Stopper) FinishTask()                   { s.drain.Done() }
func (s *Stopper) ShouldStop() <-chan struct{} { return s.stopper }

// Stop waits for running tasks to drain before closing the stopper
// channel, but the tasks only finish when that channel is closed.
func (s *Stopper) Stop() {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	s.drain.Wait() // BUG
	close(s.stopper)
	s.stop.Wait()
}

type rangeQueue struct {
	name string
	reqs chan int
}

func (q *rangeQueue) process(s *Stopper) {
	if !s.StartTask() {
		return
	}
	defer s.FinishTask()
	for {
		select {
		case <-s.ShouldStop():
			return
		case r := <-q.reqs:
			_ = r
		}
	}
}

func TestStopperDrain(t *testing.T) {
	runBug(func() {
		s := NewStopper()
		for _, name := range []string{"gc", "split", "replicate"} {
			q := &rangeQueue{name: name, reqs: make(chan int)}
			s.RunWorker(func() { q.process(s) })
		}
		time.Sleep(5 * time.Millisecond)
		s.Stop()
	})
}
