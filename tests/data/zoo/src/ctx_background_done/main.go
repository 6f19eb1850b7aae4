// Command ctx_background_done: batch jobs started from a cron loop get
// context.Background() instead of the scheduler's context. Each job starts a
// watcher that waits for <-ctx.Done() to abort the job; Background's Done
// channel is nil, so the watcher blocks forever in "chan receive (nil chan)".
// A supervisor goroutine per job also selects on ctx.Done() and the job's
// finished channel, which the job never closes on success: "select".
//
// Classic pattern (ctx.Done() of a context that can never be done).
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Job struct {
	Name     string
	ctx      context.Context
	aborted  bool
	finished chan struct{}
	mu       sync.Mutex
}

func (j *Job) watchCancel() {
	<-j.ctx.Done()
	j.mu.Lock()
	j.aborted = true
	j.mu.Unlock()
}

func (j *Job) supervise(limit time.Duration) {
	select {
	case <-j.ctx.Done():
	case <-j.finished:
	}
}

func (j *Job) Run(work func()) {
	go j.watchCancel()
	if j.Name[len(j.Name)-1] == '0' {
		go j.supervise(time.Minute)
	}
	work()
}

type Scheduler struct {
	ctx context.Context
}

func (s *Scheduler) tick(n int) {
	for i := 0; i < 4; i++ {
		// BUG: should be s.ctx.
		j := &Job{Name: fmt.Sprintf("compact-%d-%d", n, i), ctx: context.Background(), finished: make(chan struct{})}
		j.Run(func() { time.Sleep(time.Millisecond) })
	}
}

func main() {
	run := harness.Start("ctx_background_done")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &Scheduler{ctx: ctx}
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		s.tick(wave)
		if wave == 3 {
			s.tick(4)
		}
		run.Await(4*wave+4*(wave/3), "chan receive (nil chan)", "main.(*Job).watchCancel")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
