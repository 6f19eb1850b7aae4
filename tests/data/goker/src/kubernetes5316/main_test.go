package kubernetes5316

// Capture harness (identical in every package): after the tests, wait
// ~200ms, then write the goroutine profile (debug=2) and, when this Go has
// it, the goroutineleak profile, to files named by env vars.

import (
	"fmt"
	"os"
	"runtime/pprof"
	"testing"
	"time"
)

// afterDump holds cleanups that healthy packages run only after capture.
var afterDump []func()

func writeProfile(name, path string, debug int) {
	p := pprof.Lookup(name)
	if p == nil {
		fmt.Fprintf(os.Stderr, "HOLDOUT: no %q profile in this Go\n", name)
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "HOLDOUT:", err)
		return
	}
	defer f.Close()
	if err := p.WriteTo(f, debug); err != nil {
		fmt.Fprintln(os.Stderr, "HOLDOUT:", err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	time.Sleep(200 * time.Millisecond)
	if p := os.Getenv("HOLDOUT_DUMP"); p != "" {
		writeProfile("goroutine", p, 2)
	}
	if p := os.Getenv("HOLDOUT_LEAK"); p != "" {
		writeProfile("goroutineleak", p, 2)
	}
	if p := os.Getenv("HOLDOUT_LEAK1"); p != "" {
		writeProfile("goroutineleak", p, 1)
	}
	for _, f := range afterDump {
		f()
	}
	os.Exit(code)
}

// runBug runs the buggy scenario on the test goroutine when
// HOLDOUT_MODE=timeout (so the test itself hangs), else in a goroutine
// so that the test returns and the end-of-binary dump shows it.
func runBug(f func()) {
	if os.Getenv("HOLDOUT_MODE") == "timeout" {
		f()
		return
	}
	go f()
	time.Sleep(300 * time.Millisecond)
}

var _ = runBug
