// Command select_no_ctx: every stream of a multiplexed connection gets a
// watcher goroutine that selects over the stream's messages, window updates
// and flush requests, but has no ctx.Done() (or close) case. When a stream
// finishes, the connection forgets it and the watcher stays in "select".
//
// Inspired by grpc transport bugs in GoBench (goroutines selecting on
// channels of a stream that has gone away).
package main

import (
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type frame struct {
	stream uint32
	data   []byte
}

type stream struct {
	id     uint32
	msgs   chan frame
	window chan int
	flush  chan struct{}
	recvd  int
	credit int
}

func (s *stream) watch() {
	for {
		select {
		case f := <-s.msgs:
			s.recvd += len(f.data)
		case n := <-s.window:
			s.credit += n
		case <-s.flush:
			s.recvd = 0
		}
	}
}

type Conn struct {
	mu      sync.Mutex
	next    uint32
	streams map[uint32]*stream
}

func (c *Conn) NewStream() *stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next += 2
	s := &stream{id: c.next, msgs: make(chan frame), window: make(chan int), flush: make(chan struct{})}
	c.streams[s.id] = s
	go s.watch()
	return s
}

// Finish removes the stream; nothing tells its watcher.
func (c *Conn) Finish(s *stream) {
	c.mu.Lock()
	delete(c.streams, s.id)
	c.mu.Unlock()
}

func main() {
	run := harness.Start("select_no_ctx")
	c := &Conn{streams: map[uint32]*stream{}, next: 1}
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s := c.NewStream()
				s.window <- 65535
				for k := 0; k < 3; k++ {
					s.msgs <- frame{stream: s.id, data: make([]byte, 512)}
				}
				s.flush <- struct{}{}
				c.Finish(s)
			}(i)
		}
		wg.Wait()
		run.Await(40*wave, "select", "main.(*stream).watch")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
