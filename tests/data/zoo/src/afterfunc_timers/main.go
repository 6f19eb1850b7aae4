// Command afterfunc_timers (healthy): a request tracker arms a
// time.AfterFunc per request to flag it as slow and stops the timer when the
// request completes. Timers are not goroutines: a fired timer runs its
// function in a short-lived goroutine, a pending or stopped timer has none.
// At every dump there are 300 pending timers and almost no goroutines.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type Tracker struct {
	mu     sync.Mutex
	timers map[string]*time.Timer
	slow   atomic.Int64
}

func (t *Tracker) Begin(id string, limit time.Duration) {
	tm := time.AfterFunc(limit, func() { t.slow.Add(1) })
	t.mu.Lock()
	t.timers[id] = tm
	t.mu.Unlock()
}

func (t *Tracker) End(id string) {
	t.mu.Lock()
	tm := t.timers[id]
	delete(t.timers, id)
	t.mu.Unlock()
	if tm != nil {
		tm.Stop()
	}
}

func main() {
	run := harness.Start("afterfunc_timers")
	t := &Tracker{timers: map[string]*time.Timer{}}
	n := 0
	for round := 1; round <= 3; round++ {
		// 100 requests that finish, 100 that stay open (their timers pend for
		// a minute), 20 that are slow and fire after 5 ms.
		for i := 0; i < 100; i++ {
			id := fmt.Sprintf("req-%d", n)
			t.Begin(id, time.Second)
			t.End(id)
			n++
		}
		for i := 0; i < 100; i++ {
			t.Begin(fmt.Sprintf("open-%d", n), time.Minute)
			n++
		}
		for i := 0; i < 20; i++ {
			t.Begin(fmt.Sprintf("slow-%d", n), 5*time.Millisecond)
			n++
		}
		for t.slow.Load() < int64(20*round) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		if round < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
