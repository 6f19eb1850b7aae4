package healthy_janitor

import (
	"sync"
	"testing"
	"time"
)

type entry struct {
	v       string
	expires time.Time
}

type Cache struct {
	mu    sync.Mutex
	items map[string]entry
	stop  chan struct{}
	done  chan struct{}
}

func NewCache(interval time.Duration) *Cache {
	c := &Cache{items: map[string]entry{}, stop: make(chan struct{}), done: make(chan struct{})}
	go c.janitor(interval)
	return c
}

func (c *Cache) janitor(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	defer close(c.done)
	for {
		select {
		case <-t.C:
			c.sweep()
		case <-c.stop:
			return
		}
	}
}

func (c *Cache) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for k, e := range c.items {
		if now.After(e.expires) {
			delete(c.items, k)
		}
	}
}

func (c *Cache) Set(k, v string, ttl time.Duration) {
	c.mu.Lock()
	c.items[k] = entry{v, time.Now().Add(ttl)}
	c.mu.Unlock()
}

func (c *Cache) Close() { close(c.stop); <-c.done }

func TestCacheExpiry(t *testing.T) {
	for i := 0; i < 3; i++ {
		c := NewCache(time.Second)
		c.Set("k", "v", time.Millisecond)
		afterDump = append(afterDump, c.Close)
	}
}
