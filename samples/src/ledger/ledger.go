// Package ledger moves money between accounts. Transfer locks the source
// account, then the destination: two opposite transfers running at once each
// hold one lock and wait for the other (an ABBA deadlock). ledger_test.go
// triggers it, so `go test -timeout 2s` ends in "panic: test timed out" with
// a goroutine dump.
package ledger

import (
	"errors"
	"sync"
	"time"
)

// Account is a balance guarded by its own mutex.
type Account struct {
	mu      sync.Mutex
	ID      string
	Balance int
}

// ErrInsufficient means the source cannot cover the amount.
var ErrInsufficient = errors.New("insufficient funds")

// Transfer moves amount from one account to another.
func Transfer(from, to *Account, amount int) error {
	from.mu.Lock()
	defer from.mu.Unlock()
	audit() // widens the window between the two Lock calls
	to.mu.Lock()
	defer to.mu.Unlock()
	if from.Balance < amount {
		return ErrInsufficient
	}
	from.Balance -= amount
	to.Balance += amount
	return nil
}

func audit() {
	time.Sleep(10 * time.Millisecond)
}
