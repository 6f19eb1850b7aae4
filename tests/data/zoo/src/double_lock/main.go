// Command double_lock: a cache's Get holds the cache mutex and, for an
// expired entry, calls refresh, which locks the same (non-reentrant) mutex
// again. The first request that hits an expired key deadlocks itself in
// "sync.Mutex.Lock" inside refresh; every later request piles up in
// "sync.Mutex.Lock" inside Get.
//
// Inspired by the double-locking bugs of GoBench (moby, kubernetes,
// cockroach: a method called with a lock held that takes the lock again).
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type item struct {
	val     string
	expires time.Time
}

type Cache struct {
	mu    sync.Mutex
	items map[string]item
	ttl   time.Duration
	loads int
}

func (c *Cache) Get(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[key]
	if ok && time.Now().After(it.expires) {
		return c.refresh(key) // BUG: refresh locks c.mu again
	}
	if !ok {
		it = item{val: "v:" + key, expires: time.Now().Add(c.ttl)}
		c.items[key] = it
		c.loads++
	}
	return it.val
}

func (c *Cache) refresh(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	it := item{val: "v:" + key, expires: time.Now().Add(c.ttl)}
	c.items[key] = it
	c.loads++
	return it.val
}

type Server struct {
	cache *Cache
}

func (s *Server) handle(key string, wg *sync.WaitGroup) {
	defer wg.Done()
	_ = s.cache.Get(key)
}

func main() {
	run := harness.Start("double_lock")
	s := &Server{cache: &Cache{items: map[string]item{}, ttl: 100 * time.Millisecond}}
	var wg sync.WaitGroup
	// Warm-up: 20 distinct keys, all loaded fine.
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go s.handle(fmt.Sprintf("user:%d", i), &wg)
	}
	wg.Wait()
	run.Snapshot()
	time.Sleep(120 * time.Millisecond) // the entries expire
	wg.Add(1)
	go s.handle("user:7", &wg)
	run.Await(1, "sync.Mutex.Lock", "main.(*Cache).refresh")
	run.Snapshot()
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go s.handle(fmt.Sprintf("user:%d", i%20), &wg)
	}
	run.Await(40, "sync.Mutex.Lock", "main.(*Cache).Get")
	run.Finish()
}
