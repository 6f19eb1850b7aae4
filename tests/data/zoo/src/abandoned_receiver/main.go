// Command abandoned_receiver: a container runtime starts a process and a
// goroutine that waits for its exit status. When the start fails, Exec
// returns the error but never closes (or sends on) the exit channel, so the
// waiter is abandoned in "chan receive".
//
// Inspired by moby/containerd exec bugs in GoBench (a receiver that waits for
// a signal the error path never sends).
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type ExitStatus struct {
	Code int
	At   time.Time
}

type Process struct {
	ID     string
	exited chan ExitStatus
	status ExitStatus
}

type Runner struct {
	mu      sync.Mutex
	running map[string]*Process
	events  chan string
}

var errNoSuchImage = errors.New("exec: image layer missing")

// start fails for every fourth process.
func (r *Runner) start(p *Process, n int) error {
	if n%4 == 3 {
		return errNoSuchImage
	}
	go func() {
		time.Sleep(time.Millisecond)
		p.exited <- ExitStatus{Code: 0, At: time.Now()}
	}()
	return nil
}

func (r *Runner) Exec(id string, n int) error {
	p := &Process{ID: id, exited: make(chan ExitStatus)}
	go r.waitExit(p)
	if err := r.start(p, n); err != nil {
		// BUG: p.exited is never closed here; waitExit waits forever.
		return fmt.Errorf("exec %s: %w", id, err)
	}
	return nil
}

func (r *Runner) waitExit(p *Process) {
	st := <-p.exited
	r.mu.Lock()
	p.status = st
	delete(r.running, p.ID)
	r.mu.Unlock()
	r.events <- "exit " + p.ID
}

// eventLoop is the runner's healthy background goroutine.
func (r *Runner) eventLoop() {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-r.events:
			n++
		case <-t.C:
		}
	}
}

func main() {
	run := harness.Start("abandoned_receiver")
	r := &Runner{running: map[string]*Process{}, events: make(chan string, 16)}
	go r.eventLoop()
	n := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 20; i++ {
			_ = r.Exec(fmt.Sprintf("ctr-%d", n), n)
			n++
		}
		run.Await(5*wave, "chan receive", "main.(*Runner).waitExit")
		time.Sleep(30 * time.Millisecond)
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
