// Command waitgroup_mismatch: a cluster broadcasts each proposal to its
// peers. Broadcast adds len(peers) to a WaitGroup, but a send that fails
// returns before calling Done, so the goroutine that waits for all sends to
// close the done channel never wakes: "sync.WaitGroup.Wait" (Go 1.21 prints
// "semacquire"). The caller itself gave up after a timeout.
//
// Inspired by etcd/cockroach WaitGroup misuse in GoBench (Add and Done that do
// not match on an error path).
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Peer struct {
	Name string
	Down bool
	sent int
	mu   sync.Mutex
}

var errPeerDown = errors.New("peer unreachable")

func (p *Peer) send(msg string) error {
	if p.Down {
		return errPeerDown
	}
	p.mu.Lock()
	p.sent++
	p.mu.Unlock()
	return nil
}

type Cluster struct {
	peers []*Peer
}

func (c *Cluster) Broadcast(msg string, timeout time.Duration) error {
	var wg sync.WaitGroup
	wg.Add(len(c.peers))
	errs := make(chan error, len(c.peers))
	for _, p := range c.peers {
		go func(p *Peer) {
			if err := p.send(msg); err != nil {
				errs <- fmt.Errorf("%s: %w", p.Name, err)
				return // BUG: no wg.Done() on this path
			}
			wg.Done()
		}(p)
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		return errors.New("broadcast: timed out waiting for peers")
	}
}

func main() {
	run := harness.Start("waitgroup_mismatch")
	c := &Cluster{}
	for i := 0; i < 5; i++ {
		c.peers = append(c.peers, &Peer{Name: fmt.Sprintf("peer-%d", i)})
	}
	state := "sync.WaitGroup.Wait"
	if harness.GoBefore(22) {
		state = "semacquire"
	}
	failures := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 10; i++ {
			// peer-3 is down for 4 of every 10 proposals.
			c.peers[3].Down = i%5 < 2
			if err := c.Broadcast(fmt.Sprintf("proposal %d.%d", wave, i), 20*time.Millisecond); err != nil {
				failures++
			}
		}
		run.Await(4*wave, state, "main.(*Cluster).Broadcast.func2")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
