// Command ctx_never_cancelled: a connection pool ties each checked-out
// connection to a context and starts a goroutine that returns the connection
// when the context is done. Callers derive that context with
// context.WithCancel and drop the cancel function (what go vet calls
// lostcancel), so the watchers wait in "chan receive" on ctx.Done() forever.
//
// Classic pattern (a context that is never cancelled), as in database/sql
// style connection watchers.
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Conn struct {
	ID    int
	inUse bool
}

type Pool struct {
	mu   sync.Mutex
	free []*Conn
	next int
}

func (p *Pool) Acquire(ctx context.Context) *Conn {
	p.mu.Lock()
	var c *Conn
	if n := len(p.free); n > 0 {
		c, p.free = p.free[n-1], p.free[:n-1]
	} else {
		p.next++
		c = &Conn{ID: p.next}
	}
	c.inUse = true
	p.mu.Unlock()
	go func() {
		<-ctx.Done()
		p.release(c)
	}()
	return c
}

func (p *Pool) release(c *Conn) {
	p.mu.Lock()
	c.inUse = false
	p.free = append(p.free, c)
	p.mu.Unlock()
}

type Service struct {
	pool *Pool
	base context.Context
}

func (s *Service) Query(q string) string {
	ctx, cancel := context.WithCancel(s.base)
	if len(q)%3 != 0 {
		defer cancel()
	} // BUG: on the other path cancel is dropped
	c := s.pool.Acquire(ctx)
	return fmt.Sprintf("conn %d: %s", c.ID, q)
}

func main() {
	run := harness.Start("ctx_never_cancelled")
	s := &Service{pool: &Pool{}, base: context.Background()}
	queries := []string{"SELECT 1", "SELECT name FROM users", "SELECT id FROM orders WHERE open", "SELECT now()", "UPDATE x SET y=1", "SELECT count(*) FROM t"}
	n := 0
	leaks := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 45; i++ {
			q := queries[n%len(queries)]
			if len(q)%3 == 0 {
				leaks++
			}
			s.Query(q)
			n++
		}
		run.Await(leaks, "chan receive", "main.(*Pool).Acquire.func1")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
