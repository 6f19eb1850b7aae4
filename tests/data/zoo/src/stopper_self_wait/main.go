// Command stopper_self_wait: each replica has a Stopper that runs async
// tasks and whose Stop closes the quiesce channel and waits for all tasks.
// When a task hits a fatal replica error it calls Stop itself, waiting for
// every task including its own: "sync.WaitGroup.Wait" ("semacquire" before
// Go 1.22) forever. The other tasks quiesce and exit normally.
//
// Inspired by cockroach's Stopper bugs in GoBench (a task that waits for
// the stopper it runs under).
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Stopper struct {
	mu       sync.Mutex
	tasks    sync.WaitGroup
	quiesce  chan struct{}
	stopping bool
}

func NewStopper() *Stopper { return &Stopper{quiesce: make(chan struct{})} }

func (s *Stopper) RunAsyncTask(name string, f func()) {
	s.tasks.Add(1)
	go func() {
		defer s.tasks.Done()
		f()
	}()
}

func (s *Stopper) ShouldQuiesce() <-chan struct{} { return s.quiesce }

func (s *Stopper) Stop() {
	s.mu.Lock()
	if !s.stopping {
		s.stopping = true
		close(s.quiesce)
	}
	s.mu.Unlock()
	s.tasks.Wait() // BUG when called from inside a task
}

type Replica struct {
	ID      int
	stopper *Stopper
	corrupt bool
	lastErr string
}

var errCorrupt = errors.New("replica: checksum mismatch")

func (r *Replica) processRaftReady() error {
	time.Sleep(time.Millisecond)
	if r.corrupt {
		return errCorrupt
	}
	return nil
}

func (r *Replica) raftLoop() {
	for {
		select {
		case <-r.stopper.ShouldQuiesce():
			return
		default:
		}
		if err := r.processRaftReady(); err != nil {
			r.lastErr = fmt.Sprintf("r%d: fatal: %v; stopping", r.ID, err)
			r.stopper.Stop()
			return
		}
	}
}

func (r *Replica) gcLoop() {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.stopper.ShouldQuiesce():
			return
		case <-t.C:
		}
	}
}

func (r *Replica) Start() {
	r.stopper.RunAsyncTask("raft", r.raftLoop)
	r.stopper.RunAsyncTask("gc", r.gcLoop)
}

func main() {
	run := harness.Start("stopper_self_wait")
	wgState := "sync.WaitGroup.Wait"
	if harness.GoBefore(22) {
		wgState = "semacquire"
	}
	var replicas []*Replica
	id := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 4; i++ {
			id++
			r := &Replica{ID: id, stopper: NewStopper(), corrupt: i%2 == 0}
			r.Start()
			replicas = append(replicas, r)
		}
		run.Await(2*wave, wgState, "main.(*Stopper).Stop")
		if wave < 3 {
			run.Snapshot()
		}
	}
	for _, r := range replicas {
		if !r.corrupt {
			go r.stopper.Stop()
		}
	}
	time.Sleep(20 * time.Millisecond)
	run.Finish()
}
