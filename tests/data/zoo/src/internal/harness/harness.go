// Package harness is the small shared part of every zoo program: it parses
// the common flags, records a runtime/trace of the scenario, takes the series
// of debug=2 goroutine dumps while the scenario runs, and writes the final
// dumps (debug=2, debug=1, optionally the protobuf form, and the goroutineleak
// profile when the runtime has one).
//
// Only the main goroutine ever calls into this package, so its frames appear
// in main's stack only and never in the goroutines the zoo is about.
package harness

import (
	"bytes"
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

var (
	outDir   = flag.String("out", ".", "output directory")
	name     = flag.String("name", "", "file name prefix, e.g. timeout_sender.go1.27 (default: program name)")
	doTrace  = flag.Bool("trace", true, "record a runtime/trace of the scenario to PREFIX.trace")
	doSeries = flag.Bool("series", false, "write the debug=2 series PREFIX.debug2.N.txt")
	doPB     = flag.Bool("pb", false, "also write the protobuf goroutine profile(s) PREFIX.pb.gz, PREFIX.goroutineleak.pb.gz")
	doLeak   = flag.Bool("leakprof", true, "write the goroutineleak profile when the runtime offers it")
	pause    = flag.Duration("pause", 0, "wait this long before each dump (minutes-apart captures: ages in minutes)")
)

// Run is one recorded run of a program's scenario.
type Run struct {
	prefix string
	tf     *os.File
	snaps  int
}

// Start parses the flags (programs define their own before calling it) and
// starts the trace.
func Start(program string) *Run {
	flag.Parse()
	r := &Run{prefix: *name}
	if r.prefix == "" {
		r.prefix = program
	}
	if *doTrace {
		r.tf = r.create(".trace")
		if err := trace.Start(r.tf); err != nil {
			fail("trace.Start: %v", err)
		}
	}
	return r
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "zoo harness: "+format+"\n", args...)
	os.Exit(3)
}

func (r *Run) create(suffix string) *os.File {
	f, err := os.Create(filepath.Join(*outDir, r.prefix+suffix))
	if err != nil {
		fail("%v", err)
	}
	return f
}

func (r *Run) write(profile, suffix string, debug int) {
	p := pprof.Lookup(profile)
	if p == nil {
		fail("no %s profile", profile)
	}
	f := r.create(suffix)
	if err := p.WriteTo(f, debug); err != nil {
		fail("%s debug=%d: %v", profile, debug, err)
	}
	if err := f.Close(); err != nil {
		fail("%v", err)
	}
}

func (r *Run) save(suffix string, b []byte) {
	if err := os.WriteFile(filepath.Join(*outDir, r.prefix+suffix), b, 0o644); err != nil {
		fail("%v", err)
	}
}

// Snapshot writes the next debug=2 dump of the series (with -series), -pause
// after the scenario reached it.
func (r *Run) Snapshot() {
	if !*doSeries {
		return
	}
	r.wait()
	r.snaps++
	r.write("goroutine", fmt.Sprintf(".debug2.%d.txt", r.snaps), 2)
}

// wait sleeps -pause after a garbage collection. The runtime stamps a blocked
// goroutine's wait start (what a dump prints as ", N minutes") when a GC finds
// it blocked; a service collects all the time, an idle zoo program would not.
func (r *Run) wait() {
	if *pause > 0 {
		runtime.GC()
		time.Sleep(*pause)
	}
}

// Await waits until at least n goroutines are blocked in state (the wait
// reason as a dump prints it) with fn among their frames, so that every
// snapshot of a run shows the same counts. It gives up (exit status 3) after
// 20 s: a fixture with a half-settled leak is worse than none.
func (r *Run) Await(n int, state, fn string) {
	deadline := time.Now().Add(20 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		m := runtime.Stack(buf, true)
		for m == len(buf) {
			buf = make([]byte, 2*len(buf))
			m = runtime.Stack(buf, true)
		}
		got := count(buf[:m], state, fn)
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			fail("after 20 s only %d of %d goroutines in [%s] at %s", got, n, state, fn)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func count(dump []byte, state, fn string) int {
	n := 0
	for _, g := range bytes.Split(dump, []byte("\n\n")) {
		s := string(g)
		if !strings.HasPrefix(s, "goroutine ") {
			continue
		}
		i, j := strings.IndexByte(s, '['), strings.Index(s, "]:")
		if i < 0 || j < i {
			continue
		}
		st := s[i+1 : j]
		if k := strings.Index(st, ", "); k >= 0 {
			st = st[:k]
		}
		if st == state && strings.Contains(s, "\n"+fn+"(") {
			n++
		}
	}
	return n
}

// awaitTraceGone waits (up to 1 s) until the goroutines of runtime/trace
// have exited after trace.Stop, so that they do not show in the final dumps.
func (r *Run) awaitTraceGone() {
	buf := make([]byte, 1<<20)
	for i := 0; i < 200; i++ {
		m := runtime.Stack(buf, true)
		for m == len(buf) {
			buf = make([]byte, 2*len(buf))
			m = runtime.Stack(buf, true)
		}
		if !bytes.Contains(buf[:m], []byte("runtime/trace.")) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Finish waits -pause, stops the trace and writes the final dumps: debug=2 (also as the
// last element of the series), debug=1, the protobuf form with -pb, and then
// the goroutineleak profile, last, because its GC marks the goroutines it
// proves leaked as (leaked) for good.
func (r *Run) Finish() {
	r.wait()
	if r.tf != nil {
		trace.Stop()
		if err := r.tf.Close(); err != nil {
			fail("%v", err)
		}
		r.awaitTraceGone()
	}
	var final bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&final, 2); err != nil {
		fail("goroutine debug=2: %v", err)
	}
	r.save(".debug2.txt", final.Bytes())
	if *doSeries {
		r.snaps++
		r.save(fmt.Sprintf(".debug2.%d.txt", r.snaps), final.Bytes())
	}
	r.write("goroutine", ".debug1.txt", 1)
	if *doPB {
		r.write("goroutine", ".pb.gz", 0)
	}
	if *doLeak && pprof.Lookup("goroutineleak") != nil {
		r.write("goroutineleak", ".goroutineleak.debug1.txt", 1)
		r.write("goroutineleak", ".goroutineleak.debug2.txt", 2)
		if *doPB {
			r.write("goroutineleak", ".goroutineleak.pb.gz", 0)
		}
	}
}

// GoBefore reports whether the running Go release is older than 1.minor;
// programs use it to wait for the wait reason that release prints.
func GoBefore(minor int) bool {
	var m int
	if _, err := fmt.Sscanf(strings.TrimPrefix(runtime.Version(), "go1."), "%d", &m); err != nil {
		return false
	}
	return m < minor
}
