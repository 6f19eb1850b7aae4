// Command watch_unsubscribed: an event broker gives every watcher a
// forwarding goroutine that copies events from the watcher's buffered input
// to its unbuffered output. A watcher that stops reading (its client went
// away) only removes itself from the broker; the forwarder, holding an
// event, waits in "chan send" forever. The broker's own dispatch loop and a
// metrics ticker keep running next to the leak.
//
// Inspired by the watch/cacheWatcher leaks of kubernetes and etcd in GoBench
// (a forwarder blocked on a consumer that left).
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Event struct {
	Key string
	Rev int
}

type watcher struct {
	id  int
	in  chan Event
	out chan Event
}

func (w *watcher) forward() {
	for ev := range w.in {
		w.out <- ev // BUG: blocks forever once the client stopped reading
	}
	close(w.out)
}

type Broker struct {
	mu       sync.Mutex
	watchers map[int]*watcher
	next     int
	events   chan Event
	sent     int
}

func (b *Broker) Watch() *watcher {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	w := &watcher{id: b.next, in: make(chan Event, 16), out: make(chan Event)}
	b.watchers[w.id] = w
	go w.forward()
	return w
}

func (b *Broker) Forget(w *watcher) {
	b.mu.Lock()
	delete(b.watchers, w.id)
	b.mu.Unlock()
}

func (b *Broker) dispatch() {
	for ev := range b.events {
		b.mu.Lock()
		for _, w := range b.watchers {
			select {
			case w.in <- ev:
			default: // slow watcher: drop
			}
		}
		b.sent++
		b.mu.Unlock()
	}
}

func (b *Broker) metrics(stop <-chan struct{}) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.mu.Lock()
			_ = len(b.watchers)
			b.mu.Unlock()
		case <-stop:
			return
		}
	}
}

// client reads n events, then leaves without telling anybody but the broker.
func client(b *Broker, n int, wg *sync.WaitGroup) {
	defer wg.Done()
	w := b.Watch()
	for i := 0; i < n; i++ {
		<-w.out
	}
	b.Forget(w)
}

func main() {
	run := harness.Start("watch_unsubscribed")
	b := &Broker{watchers: map[int]*watcher{}, events: make(chan Event)}
	go b.dispatch()
	stop := make(chan struct{})
	go b.metrics(stop)
	rev := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		var wg sync.WaitGroup
		for i := 0; i < 11; i++ {
			wg.Add(1)
			go client(b, 2, &wg)
		}
		for {
			b.mu.Lock()
			n := len(b.watchers)
			b.mu.Unlock()
			if n >= 11 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		for k := 0; k < 3; k++ {
			rev++
			b.events <- Event{Key: fmt.Sprintf("/registry/pods/p%d", rev), Rev: rev}
		}
		wg.Wait()
		run.Await(11*wave, "chan send", "main.(*watcher).forward")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
