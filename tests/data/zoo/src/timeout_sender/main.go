// Command timeout_sender: a price service asks a backend for each quote in a
// goroutine and gives up after a deadline. The goroutine then sends its late
// answer on an unbuffered channel that nobody will ever read again: one
// goroutine left behind in "chan send" per timed-out request.
//
// Inspired by the most common blocking bug in GoBench/GoKer (kubernetes,
// etcd, grpc): a result channel whose receiver returned on timeout or error.
package main

import (
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Quote struct {
	SKU   string
	Cents int
}

type Backend struct {
	rng  *rand.Rand
	slow map[string]bool
}

// fetch answers at once for most SKUs; the slow ones take far longer than any
// caller waits.
func (b *Backend) fetch(sku string) Quote {
	if b.slow[sku] {
		time.Sleep(300 * time.Millisecond)
	}
	return Quote{SKU: sku, Cents: len(sku) * 100}
}

type PriceService struct {
	backend *Backend
	timeout time.Duration
}

var errTimeout = errors.New("quote: backend timed out")

func (s *PriceService) Quote(sku string) (Quote, error) {
	ch := make(chan Quote) // unbuffered: the bug
	go s.lookup(sku, ch)
	select {
	case q := <-ch:
		return q, nil
	case <-time.After(s.timeout):
		return Quote{}, errTimeout
	}
}

func (s *PriceService) lookup(sku string, ch chan Quote) {
	q := s.backend.fetch(sku)
	ch <- q // blocks forever once Quote has returned
}

func main() {
	run := harness.Start("timeout_sender")
	rng := rand.New(rand.NewSource(7))
	b := &Backend{slow: map[string]bool{}}
	skus := make([]string, 120)
	for i := range skus {
		skus[i] = fmt.Sprintf("sku-%04d", i)
	}
	// Exactly 12 slow SKUs per wave of 40.
	for w := 0; w < 3; w++ {
		perm := rng.Perm(40)
		for _, i := range perm[:12] {
			b.slow[skus[w*40+i]] = true
		}
	}
	svc := &PriceService{backend: b, timeout: 100 * time.Millisecond}

	failed := 0
	for w := 0; w < 3; w++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		var wg sync.WaitGroup
		var mu sync.Mutex
		for c := 0; c < 8; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				for i := c; i < 40; i += 8 {
					if _, err := svc.Quote(skus[w*40+i]); err != nil {
						mu.Lock()
						failed++
						mu.Unlock()
					}
				}
			}(c)
		}
		wg.Wait()
		run.Await(12*(w+1), "chan send", "main.(*PriceService).lookup")
		if w < 2 {
			run.Snapshot()
		}
	}
	_ = failed
	run.Finish()
}
