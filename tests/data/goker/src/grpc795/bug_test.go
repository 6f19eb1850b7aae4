package grpc795

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type dnsWatcher struct {
	target  string
	updates chan []string
}

// watch pushes resolved addresses forever; it has no way to learn that the
// balancer reading updates has been closed.
func (w *dnsWatcher) watch() {
	for i := 0; ; i++ {
		addrs := []string{fmt.Sprintf("10.0.%d.%d:443", i/250, i%250)}
		w.updates <- addrs // BUG: nobody receives after roundRobin.Close
		time.Sleep(time.Millisecond)
	}
}

type roundRobin struct {
	w     *dnsWatcher
	done  chan struct{}
	mu    sync.Mutex
	addrs []string
}

func newRoundRobin() *roundRobin { return &roundRobin{done: make(chan struct{})} }

func (rr *roundRobin) Start(target string) {
	rr.w = &dnsWatcher{target: target, updates: make(chan []string)}
	go rr.w.watch()
	go rr.watchAddrUpdates()
}

func (rr *roundRobin) watchAddrUpdates() {
	for {
		select {
		case a := <-rr.w.updates:
			rr.mu.Lock()
			rr.addrs = a
			rr.mu.Unlock()
		case <-rr.done:
			return
		}
	}
}

func (rr *roundRobin) Close() { close(rr.done) }

func TestBalancerCloseMany(t *testing.T) {
	for i := 0; i < 10; i++ {
		rr := newRoundRobin()
		rr.Start(fmt.Sprintf("svc-%d.local", i))
		time.Sleep(3 * time.Millisecond)
		rr.Close()
	}
}
