package rwmutex_upgrade

import (
	"sync"
	"testing"
	"time"
)

type schema struct{ name string }

type schemaCache struct {
	mu sync.RWMutex
	m  map[string]*schema
}

func (c *schemaCache) Get(name string) *schema {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if s, ok := c.m[name]; ok {
		return s
	}
	return c.load(name) // BUG: upgrades to the write lock while holding RLock
}

func (c *schemaCache) load(name string) *schema {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &schema{name: name}
	c.m[name] = s
	return s
}

func TestConcurrentSchemaLookup(t *testing.T) {
	runBug(func() {
		c := &schemaCache{m: map[string]*schema{}}
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				time.Sleep(time.Duration(i) * 2 * time.Millisecond)
				c.Get("users")
			}(i)
		}
		wg.Wait()
	})
}
