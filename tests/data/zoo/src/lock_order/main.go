// Command lock_order: a ledger moves money between accounts by locking the
// source and then the destination. Two concurrent transfers in opposite
// directions (A->B and B->A) each take their first lock and wait for the
// other's: an ABBA deadlock. Every later request that touches A or B piles
// up behind them in "sync.Mutex.Lock"; transfers between other accounts keep
// working.
//
// Inspired by the lock-order deadlocks of GoBench (moby, cockroach,
// kubernetes): two locks taken in opposite orders on two paths.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Account struct {
	ID      string
	mu      sync.Mutex
	balance int64
	history []string
}

type Bank struct {
	accounts map[string]*Account
}

const auditAbove = 100

// audit records the pending transfer; it is slow (a remote call).
func (a *Account) audit(note string) {
	time.Sleep(100 * time.Millisecond)
	a.history = append(a.history, note)
}

func (b *Bank) Transfer(from, to string, amount int64) {
	src, dst := b.accounts[from], b.accounts[to]
	src.mu.Lock()
	defer src.mu.Unlock()
	if amount >= auditAbove {
		src.audit(fmt.Sprintf("out %d to %s", amount, to))
	}
	dst.mu.Lock() // BUG: lock order depends on the direction
	defer dst.mu.Unlock()
	src.balance -= amount
	dst.balance += amount
}

type request struct {
	from, to string
	amount   int64
}

type Server struct {
	bank *Bank
	reqs chan request
	done sync.WaitGroup
}

func (s *Server) handle(r request) {
	defer s.done.Done()
	s.bank.Transfer(r.from, r.to, r.amount)
}

func (s *Server) dispatch() {
	for r := range s.reqs {
		s.done.Add(1)
		go s.handle(r)
	}
}

func main() {
	run := harness.Start("lock_order")
	bank := &Bank{accounts: map[string]*Account{}}
	for _, id := range []string{"A", "B", "C", "D", "E"} {
		bank.accounts[id] = &Account{ID: id, balance: 1000}
	}
	s := &Server{bank: bank, reqs: make(chan request)}
	go s.dispatch()

	// The two opposite transfers arrive together.
	s.reqs <- request{"A", "B", 500}
	s.reqs <- request{"B", "A", 700}
	run.Await(2, "sync.Mutex.Lock", "main.(*Bank).Transfer")
	run.Snapshot()
	// Later traffic: payouts from A and B pile up; C, D and E keep trading.
	for i := 0; i < 30; i++ {
		from := "A"
		if i%2 == 1 {
			from = "B"
		}
		s.reqs <- request{from, "D", int64(i)}
		s.reqs <- request{"C", "E", int64(i)}
		if i == 14 {
			run.Await(17, "sync.Mutex.Lock", "main.(*Bank).Transfer")
			run.Snapshot()
		}
	}
	run.Await(32, "sync.Mutex.Lock", "main.(*Bank).Transfer")
	time.Sleep(20 * time.Millisecond) // the C->E transfers finish
	run.Finish()
}
