package istio16224

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

type Controller struct {
	mu     sync.Mutex
	cond   *sync.Cond
	synced bool
	err    error
}

func NewController() *Controller {
	c := &Controller{}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *Controller) WaitForCacheSync() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.synced && c.err == nil {
		c.cond.Wait()
	}
	return c.err
}

func (c *Controller) Run(list func() error) {
	if err := list(); err != nil {
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		return // BUG: waiters are never woken (no Broadcast)
	}
	c.mu.Lock()
	c.synced = true
	c.cond.Broadcast()
	c.mu.Unlock()
}

func TestSyncFailure(t *testing.T) {
	for k := 0; k < 3; k++ {
		t.Run(fmt.Sprintf("cluster-%d", k), func(t *testing.T) {
			c := NewController()
			errs := make(chan error, 4)
			for i := 0; i < 4; i++ {
				go func() { errs <- c.WaitForCacheSync() }()
			}
			time.Sleep(2 * time.Millisecond)
			go c.Run(func() error {
				time.Sleep(5 * time.Millisecond)
				return errors.New("list: connection refused")
			})
			select {
			case err := <-errs:
				t.Logf("sync: %v", err)
			case <-time.After(30 * time.Millisecond):
				t.Logf("gave up waiting for cache sync")
			}
		})
	}
}
