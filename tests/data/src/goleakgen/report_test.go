// Package goleakgen makes the goleak reports in tests/data/dumps/goleak_*.txt. goleak
// (go.uber.org/goleak) cannot be fetched here, so goleakStyle prints what its
// internal/stack.Stack.String and Find print, from runtime.Stack:
//
//	go test -count=1 -run TestNew . > goleak_verifynone.go1.27.txt 2>&1
//	go test -count=1 -run TestOld . > goleak_old_header.go1.27.txt 2>&1
//	GOLEAKGEN_MAIN=1 go test -count=1 -run TestNone . > goleak_testmain.go1.27.txt 2>&1
package goleakgen

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func items(n int) <-chan int {
	ch := make(chan int)
	go func() {
		for i := 0; i < n; i++ {
			ch <- i
		}
		close(ch)
	}()
	return ch
}

// goleakStyle prints what goleak prints: "found unexpected goroutines:\n%s" of a []Stack,
// each "Goroutine %v in state %v, with %v on top of the stack:\n%s" (withHeader: older
// goleak kept the "goroutine N [state]:" line in the full stack).
func goleakStyle(withHeader bool) string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var parts []string
	for i, block := range strings.Split(string(bytes.TrimSpace(buf)), "\n\n") {
		if i == 0 {
			continue // the current goroutine
		}
		lines := strings.Split(block, "\n")
		head := lines[0]
		var id int
		var state string
		fmt.Sscanf(head, "goroutine %d", &id)
		state = head[strings.Index(head, "[")+1 : strings.LastIndex(head, "]")]
		first := lines[1][:strings.LastIndex(lines[1], "(")]
		full := strings.Join(lines[1:], "\n") + "\n"
		if withHeader {
			full = block + "\n"
		}
		if strings.Contains(block, "testing.") {
			continue
		}
		parts = append(parts, fmt.Sprintf("Goroutine %v in state %v, with %v on top of the stack:\n%s", id, state, first, full))
	}
	return fmt.Sprintf("found unexpected goroutines:\n%s", parts)
}

// TestMain reports as goleak.VerifyTestMain does, on stderr, when GOLEAKGEN_MAIN is set.
func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv("GOLEAKGEN_MAIN") != "" && code == 0 {
		fmt.Fprintf(os.Stderr, "goleak: Errors on successful test run: %v\n", goleakStyle(false))
		code = 1
	}
	os.Exit(code)
}

// TestNone leaks two senders per run and passes: VerifyTestMain finds them.
func TestNone(t *testing.T) {
	for i := 0; i < 2; i++ {
		for range items(5) {
			break
		}
	}
}

func TestNew(t *testing.T) {
	for i := 0; i < 3; i++ {
		for range items(5) {
			break
		}
	}
	time.Sleep(50 * time.Millisecond)
	t.Error(goleakStyle(false))
}

func TestOld(t *testing.T) {
	for i := 0; i < 3; i++ {
		for range items(5) {
			break
		}
	}
	time.Sleep(50 * time.Millisecond)
	t.Error(goleakStyle(true))
}
