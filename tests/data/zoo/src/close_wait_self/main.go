// Command close_wait_self: a client connection's Close takes the connection
// mutex and then waits (WaitGroup) for the reader goroutine to finish; the
// reader, on its way out, takes the same mutex to record the error. Close
// waits in "sync.WaitGroup.Wait" ("semacquire" before Go 1.22) holding the
// lock, the reader waits in "sync.Mutex.Lock": two goroutines per closed
// connection.
//
// Inspired by grpc#795-style bugs in GoBench (Close waits for a goroutine
// that needs a lock Close holds).
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type ClientConn struct {
	target  string
	mu      sync.Mutex
	err     error
	closing chan struct{}
	reader  sync.WaitGroup
	frames  chan []byte
}

var errConnClosing = errors.New("grpc: the client connection is closing")

func Dial(target string) *ClientConn {
	cc := &ClientConn{target: target, closing: make(chan struct{}), frames: make(chan []byte, 8)}
	cc.reader.Add(1)
	go cc.readLoop()
	return cc
}

func (cc *ClientConn) readLoop() {
	defer cc.reader.Done()
	for {
		select {
		case f := <-cc.frames:
			_ = f
		case <-cc.closing:
			cc.mu.Lock() // BUG: Close holds cc.mu while waiting for us
			cc.err = errConnClosing
			cc.mu.Unlock()
			return
		}
	}
}

func (cc *ClientConn) Close() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	close(cc.closing)
	cc.reader.Wait()
}

type Balancer struct {
	conns []*ClientConn
}

func (b *Balancer) update(targets []string) {
	old := b.conns
	b.conns = nil
	for _, t := range targets {
		b.conns = append(b.conns, Dial(t))
	}
	for _, cc := range old {
		go cc.Close()
	}
}

func main() {
	run := harness.Start("close_wait_self")
	wgState := "sync.WaitGroup.Wait"
	if harness.GoBefore(22) {
		wgState = "semacquire"
	}
	b := &Balancer{}
	b.update([]string{"10.1.0.1:443", "10.1.0.2:443", "10.1.0.3:443"})
	for gen := 1; gen <= 3; gen++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		var targets []string
		for i := 0; i < 3; i++ {
			targets = append(targets, fmt.Sprintf("10.1.%d.%d:443", gen, i+1))
		}
		for _, cc := range b.conns {
			cc.frames <- []byte("ping")
		}
		b.update(targets)
		run.Await(3*gen, wgState, "main.(*ClientConn).Close")
		run.Await(3*gen, "sync.Mutex.Lock", "main.(*ClientConn).readLoop")
		if gen < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
