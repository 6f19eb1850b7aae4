// Package capture writes the dumps, series and trace of one probe run.
// Only main's goroutine calls it.
package capture

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"
)

var outDir = flag.String("out", ".", "output directory")

type Run struct {
	name  string
	ver   string
	trace  *os.File
	start  time.Time
	series bool
}

func goVer() string {
	v := runtime.Version() // go1.27.3
	parts := strings.Split(v, ".")
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

// Start parses flags and starts the trace.
func Start(name string) *Run {
	flag.Parse()
	r := &Run{name: name, ver: goVer(), start: time.Now()}
	f, err := os.Create(r.path("trace"))
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	r.trace = f
	return r
}

func (r *Run) path(suffix string) string {
	return filepath.Join(*outDir, fmt.Sprintf("%s.%s.%s", r.name, r.ver, suffix))
}

// Count returns how many goroutines are in a state starting with state and
// have fn somewhere in their stack.
func Count(state, fn string) int {
	buf := make([]byte, 8<<20)
	n := runtime.Stack(buf, true)
	n2 := 0
	for _, st := range strings.Split(string(buf[:n]), "\n\n") {
		nl := strings.IndexByte(st, '\n')
		if nl < 0 {
			continue
		}
		head := st[:nl]
		i := strings.IndexByte(head, '[')
		if i < 0 {
			continue
		}
		if strings.HasPrefix(head[i+1:], state) && strings.Contains(st[nl:], fn) {
			n2++
		}
	}
	return n2
}

// Wait polls until at least want goroutines are in state at fn, or timeout.
func (r *Run) Wait(state, fn string, want int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		got := Count(state, fn)
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "%s: timeout waiting for %d in %q at %s (have %d)\n", r.name, want, state, fn, got)
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (r *Run) write(suffix, profile string, debug int) {
	p := pprof.Lookup(profile)
	if p == nil {
		return
	}
	f, err := os.Create(r.path(suffix))
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriter(f)
	if err := p.WriteTo(w, debug); err != nil {
		panic(err)
	}
	w.Flush()
	f.Close()
}

// Snapshot writes the i-th debug=2 dump of the series.
func (r *Run) Snapshot(i int) {
	r.series = true
	r.write(fmt.Sprintf("debug2.%d.txt", i), "goroutine", 2)
}

// Finish stops the trace and writes the final dumps.
func (r *Run) Finish() {
	trace.Stop()
	r.trace.Close()
	r.write("debug2.txt", "goroutine", 2)
	if r.series {
		r.write("debug2.3.txt", "goroutine", 2)
	}
	r.write("debug1.txt", "goroutine", 1)
	if r.ver == "go1.27" {
		r.write("goroutineleak.debug2.txt", "goroutineleak", 2)
	}
	fmt.Fprintf(os.Stderr, "%s %s: done in %v, %d goroutines\n", r.name, r.ver, time.Since(r.start).Round(time.Millisecond), runtime.NumGoroutine())
}
