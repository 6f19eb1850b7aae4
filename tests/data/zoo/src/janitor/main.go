// Command janitor (healthy): a cache with one background janitor goroutine
// that sleeps and sweeps expired entries ("sleep"), and a session table
// with one ticker-driven sweeper ("select"). Each is a singleton started
// once at startup; they sleep most of the time and that is fine.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Cache struct {
	mu      sync.Mutex
	entries map[string]time.Time
	swept   int
}

func (c *Cache) janitor(every time.Duration) {
	for {
		time.Sleep(every)
		now := time.Now()
		c.mu.Lock()
		for k, exp := range c.entries {
			if now.After(exp) {
				delete(c.entries, k)
				c.swept++
			}
		}
		c.mu.Unlock()
	}
}

type Sessions struct {
	mu   sync.Mutex
	last map[string]time.Time
	stop chan struct{}
}

func (s *Sessions) sweeper(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.mu.Lock()
			for k, at := range s.last {
				if time.Since(at) > time.Minute {
					delete(s.last, k)
				}
			}
			s.mu.Unlock()
		case <-s.stop:
			return
		}
	}
}

func main() {
	run := harness.Start("janitor")
	c := &Cache{entries: map[string]time.Time{}}
	go c.janitor(30 * time.Second)
	s := &Sessions{last: map[string]time.Time{}, stop: make(chan struct{})}
	go s.sweeper(time.Minute)
	for round := 1; round <= 3; round++ {
		for i := 0; i < 200; i++ {
			k := fmt.Sprintf("k%d", i)
			c.mu.Lock()
			c.entries[k] = time.Now().Add(time.Second)
			c.mu.Unlock()
			s.mu.Lock()
			s.last[k] = time.Now()
			s.mu.Unlock()
		}
		time.Sleep(100 * time.Millisecond)
		if round < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
	close(s.stop)
}
