package ledger

import (
	"sync"
	"testing"
)

func TestTransfer(t *testing.T) {
	a := &Account{ID: "alice", Balance: 100}
	b := &Account{ID: "bob", Balance: 100}
	if err := Transfer(a, b, 30); err != nil {
		t.Fatal(err)
	}
	if a.Balance != 70 || b.Balance != 130 {
		t.Fatalf("balances %d %d", a.Balance, b.Balance)
	}
}

func TestConcurrentTransfers(t *testing.T) {
	a := &Account{ID: "alice", Balance: 100}
	b := &Account{ID: "bob", Balance: 100}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); _ = Transfer(a, b, 1) }()
		go func() { defer wg.Done(); _ = Transfer(b, a, 1) }()
	}
	wg.Wait()
	if a.Balance+b.Balance != 200 {
		t.Fatalf("money created or lost: %d", a.Balance+b.Balance)
	}
}
