// Command ticker_never_stopped: every client session starts a heartbeat
// goroutine that ranges over a time.Ticker's channel. Ending the session
// marks it closed but neither stops the ticker nor ends the loop, so one
// goroutine per finished session waits in "chan receive" on the ticker
// channel, forever (the heartbeat period is 10 s, longer than the run).
//
// Classic pattern (a per-request ticker that is never stopped).
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type Session struct {
	ID     string
	closed atomic.Bool
	pings  atomic.Int64
}

func (s *Session) heartbeat(every time.Duration) {
	t := time.NewTicker(every) // BUG: never stopped
	for range t.C {
		if s.closed.Load() {
			continue // should return (and t.Stop())
		}
		s.pings.Add(1)
	}
}

type Server struct {
	mu       sync.Mutex
	sessions map[string]*Session
}

func (srv *Server) Open(id string) *Session {
	s := &Session{ID: id}
	srv.mu.Lock()
	srv.sessions[id] = s
	srv.mu.Unlock()
	go s.heartbeat(10 * time.Second)
	return s
}

func (srv *Server) Close(s *Session) {
	s.closed.Store(true)
	srv.mu.Lock()
	delete(srv.sessions, s.ID)
	srv.mu.Unlock()
}

func main() {
	run := harness.Start("ticker_never_stopped")
	srv := &Server{sessions: map[string]*Session{}}
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		var wg sync.WaitGroup
		for i := 0; i < 18; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s := srv.Open(fmt.Sprintf("sess-%d-%d", wave, i))
				time.Sleep(5 * time.Millisecond)
				srv.Close(s)
			}(i)
		}
		wg.Wait()
		run.Await(18*wave, "chan receive", "main.(*Session).heartbeat")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
