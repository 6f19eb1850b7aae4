package hugo3251

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type remoteCache struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	entries map[string][]byte
}

func (c *remoteCache) fetch(url string) {
	data := []byte("payload of " + url)
	time.Sleep(time.Millisecond)
	c.mu.Lock() // blocks: Prefetch holds mu while waiting for us
	c.entries[url] = data
	c.mu.Unlock()
	c.wg.Done()
}

func (c *remoteCache) Prefetch(urls []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, u := range urls {
		c.wg.Add(1)
		go c.fetch(u)
	}
	c.wg.Wait() // BUG: waits for fetchers while holding the lock they need
}

func TestPrefetchSites(t *testing.T) {
	for site := 0; site < 3; site++ {
		c := &remoteCache{entries: map[string][]byte{}}
		urls := []string{}
		for i := 0; i < 4; i++ {
			urls = append(urls, fmt.Sprintf("https://site%d.example/data/%d.json", site, i))
		}
		done := make(chan struct{})
		go func() {
			c.Prefetch(urls)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Millisecond):
			t.Logf("site %d: prefetch slow, building without remote data", site)
		}
	}
}
