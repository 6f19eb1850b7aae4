package moby28462

import (
	"sync"
	"testing"
	"time"
)

type Health struct {
	stop   chan struct{}
	status string
}

type Container struct {
	sync.Mutex
	ID     string
	health *Health
}

func (c *Container) monitor(probe time.Duration) {
	t := time.NewTicker(probe)
	defer t.Stop()
	for {
		select {
		case <-c.health.stop:
			return
		case <-t.C:
			c.handleProbeResult("healthy")
		}
	}
}

func (c *Container) handleProbeResult(s string) {
	c.Lock() // waits for StopHealthcheck, which waits for us
	defer c.Unlock()
	c.health.status = s
}

// StopHealthcheck holds the container lock while telling the monitor to
// stop; the monitor needs the same lock before it can receive.
func (c *Container) StopHealthcheck() {
	c.Lock()
	defer c.Unlock()
	time.Sleep(5 * time.Millisecond) // update state on disk
	c.health.stop <- struct{}{}      // BUG: send under the lock
}

func TestStopHealthcheck(t *testing.T) {
	runBug(func() {
		c := &Container{ID: "abc", health: &Health{stop: make(chan struct{})}}
		go c.monitor(time.Millisecond)
		time.Sleep(3 * time.Millisecond)
		stop := c.StopHealthcheck
		stop()
	})
}
