// Command sleep_loop: every feed subscription starts a poller that sleeps,
// polls, and sleeps again. Unsubscribing only removes the subscription from
// the feed's map; the loop never checks for it, so pollers of gone
// subscriptions stay in "sleep" forever (the poll interval is 5 s, longer
// than the run).
//
// Classic pattern (a sleep loop with no way to stop).
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Subscription struct {
	URL      string
	interval time.Duration
	mu       sync.Mutex
	items    []string
}

func (s *Subscription) poll() {
	s.mu.Lock()
	s.items = append(s.items, fmt.Sprintf("%s@%d", s.URL, len(s.items)))
	s.mu.Unlock()
}

func (s *Subscription) pollLoop() {
	for {
		s.poll()
		time.Sleep(s.interval) // BUG: no stop channel, no context
	}
}

type Feed struct {
	mu   sync.Mutex
	subs map[string]*Subscription
}

func (f *Feed) Subscribe(url string) {
	s := &Subscription{URL: url, interval: 5 * time.Second}
	f.mu.Lock()
	f.subs[url] = s
	f.mu.Unlock()
	go s.pollLoop()
}

func (f *Feed) Unsubscribe(url string) {
	f.mu.Lock()
	delete(f.subs, url)
	f.mu.Unlock()
}

func main() {
	run := harness.Start("sleep_loop")
	f := &Feed{subs: map[string]*Subscription{}}
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 10; i++ {
			url := fmt.Sprintf("https://feeds.example/%d/%d.xml", wave, i)
			f.Subscribe(url)
		}
		for i := 0; i < 10; i++ {
			f.Unsubscribe(fmt.Sprintf("https://feeds.example/%d/%d.xml", wave, i))
		}
		run.Await(10*wave, "sleep", "main.(*Subscription).pollLoop")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
