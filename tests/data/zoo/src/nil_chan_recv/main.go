// Command nil_chan_recv: connections made by the legacy dialer are built
// with a struct literal that forgets to make the closing channel. Each
// connection's keepalive goroutine waits on <-c.closing to clean up, and a
// receive from a nil channel blocks forever: "chan receive (nil chan)".
//
// Classic pattern (a nil channel from a zero-valued field).
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type conn struct {
	addr     string
	closing  chan struct{}
	lastSeen time.Time
	mu       sync.Mutex
}

func dial(addr string) *conn {
	c := &conn{addr: addr, closing: make(chan struct{}), lastSeen: time.Now()}
	go c.keepalive()
	return c
}

// dialLegacy is the old code path kept for v1 servers.
func dialLegacy(addr string) *conn {
	c := &conn{addr: addr, lastSeen: time.Now()} // BUG: closing is nil
	go c.keepalive()
	return c
}

func (c *conn) keepalive() {
	<-c.closing
	c.mu.Lock()
	c.lastSeen = time.Time{}
	c.mu.Unlock()
}

func (c *conn) Close() {
	if c.closing != nil {
		close(c.closing)
	}
}

func main() {
	run := harness.Start("nil_chan_recv")
	n := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		var conns []*conn
		for i := 0; i < 20; i++ {
			addr := fmt.Sprintf("10.0.%d.%d:7000", wave, i)
			if i%5 == 0 || (wave == 3 && i%5 == 1) {
				conns = append(conns, dialLegacy(addr))
				n++
			} else {
				conns = append(conns, dial(addr))
			}
		}
		for _, c := range conns {
			c.Close()
		}
		run.Await(n, "chan receive (nil chan)", "main.(*conn).keepalive")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
