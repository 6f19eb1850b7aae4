// Package synctestgen makes the dumps testing/synctest prints when a bubble deadlocks
// (tests/data/dumps/synctest_*.txt):
//
//	GOROOT=$G $G/bin/go test -count=1 -run TestMainExited . > synctest_main_exited.go1.27.txt 2>&1
//	GOROOT=$G $G/bin/go test -count=1 -run TestAllBlocked . > synctest_all_blocked.go1.27.txt 2>&1
//
// Go 1.24's experimental synctest.Run prints only the panicking goroutine.
package synctestgen

import (
	"sync"
	"testing"
)

// reply sends its answer to a caller that gave up waiting: nobody receives.
func reply(ch chan int) {
	ch <- 1
}

// TestMainExited leaks three senders: the bubble's main returns with them blocked.
func TestMainExited(t *testing.T) {
	bubble(t, func() {
		for i := 0; i < 3; i++ {
			go reply(make(chan int))
		}
	})
}

// TestAllBlocked deadlocks: the bubble's main waits for workers that wait on a
// channel nobody closes.
func TestAllBlocked(t *testing.T) {
	bubble(t, func() {
		var wg sync.WaitGroup
		jobs := make(chan int)
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range jobs {
				}
			}()
		}
		wg.Wait()
	})
}
