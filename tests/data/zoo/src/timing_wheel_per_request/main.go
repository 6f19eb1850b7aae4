// Command timing_wheel_per_request: a handler builds a timing wheel for every
// request to expire its temporary keys, and never stops it. Each wheel's
// goroutine selects over its ticker, add, remove and stop channels: one
// goroutine per request in "select" (the wheel ticks every 2 s, longer than
// the run, so all of them sit in the select).
//
// Inspired by timing-wheel misuse in Go services (a per-request wheel
// instead of a shared one).
package main

import (
	"container/list"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type entry struct {
	key    string
	rounds int
}

type TimingWheel struct {
	interval time.Duration
	slots    []*list.List
	pos      int
	ticker   *time.Ticker
	add      chan entry
	remove   chan string
	stop     chan struct{}
}

func NewTimingWheel(interval time.Duration, n int) *TimingWheel {
	tw := &TimingWheel{
		interval: interval,
		slots:    make([]*list.List, n),
		ticker:   time.NewTicker(interval),
		add:      make(chan entry),
		remove:   make(chan string),
		stop:     make(chan struct{}),
	}
	for i := range tw.slots {
		tw.slots[i] = list.New()
	}
	go tw.run()
	return tw
}

func (tw *TimingWheel) run() {
	for {
		select {
		case <-tw.ticker.C:
			tw.pos = (tw.pos + 1) % len(tw.slots)
			tw.slots[tw.pos].Init()
		case e := <-tw.add:
			tw.slots[(tw.pos+e.rounds)%len(tw.slots)].PushBack(e)
		case k := <-tw.remove:
			for _, l := range tw.slots {
				for el := l.Front(); el != nil; el = el.Next() {
					if el.Value.(entry).key == k {
						l.Remove(el)
						break
					}
				}
			}
		case <-tw.stop:
			tw.ticker.Stop()
			return
		}
	}
}

func (tw *TimingWheel) SetTimer(key string, after time.Duration) {
	tw.add <- entry{key: key, rounds: int(after / tw.interval)}
}

func (tw *TimingWheel) Stop() { close(tw.stop) }

type Handler struct {
	mu     sync.Mutex
	served int
}

func (h *Handler) Serve(req int) {
	tw := NewTimingWheel(2*time.Second, 60) // BUG: per request, never stopped
	for k := 0; k < 3; k++ {
		tw.SetTimer(fmt.Sprintf("req-%d-tmp-%d", req, k), 30*time.Second)
	}
	h.mu.Lock()
	h.served++
	h.mu.Unlock()
}

func main() {
	run := harness.Start("timing_wheel_per_request")
	h := &Handler{}
	req := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		var wg sync.WaitGroup
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func(first int) {
				defer wg.Done()
				for i := 0; i < 6; i++ {
					h.Serve(first + i)
				}
			}(req)
			req += 6
		}
		wg.Wait()
		run.Await(24*wave, "select", "main.(*TimingWheel).run")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
