package cockroach584

import (
	"sync"
	"testing"
	"time"
)

// Gossip bootstraps against peers until closed. bootstrap returns early
// from inside the critical section when it sees closed, leaving g.mu held.
type Gossip struct {
	mu      sync.Mutex
	closed  bool
	servers []string
	rounds  int
}

func (g *Gossip) bootstrap() {
	for {
		g.mu.Lock()
		if g.closed {
			return // BUG: g.mu is never unlocked on this path
		}
		g.servers = append(g.servers[:0], "n1:26257", "n2:26257")
		g.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

func (g *Gossip) manage() {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		g.mu.Lock()
		g.rounds++
		g.mu.Unlock()
	}
}

func (g *Gossip) Close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

func (g *Gossip) NumServers() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.servers)
}

func TestGossipCloseThenQuery(t *testing.T) {
	runBug(func() {
		g := &Gossip{}
		go g.bootstrap()
		go g.manage()
		time.Sleep(10 * time.Millisecond)
		g.Close()
		time.Sleep(10 * time.Millisecond)
		_ = g.NumServers() // hangs: bootstrap returned holding g.mu
	})
}
