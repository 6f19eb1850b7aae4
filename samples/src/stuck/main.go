// Command stuck builds up a service whose goroutines are blocked for minutes
// in a realistic mix of wait reasons, then writes goroutine dumps.
//
// A dump prints "[chan receive, 3 minutes]" from g.waitsince, which the
// runtime sets only when a garbage collection's mark phase finds the
// goroutine blocked (runtime/mgcmark.go), and then to work.tstart: the time
// the previous GC's mark termination began (runtime/mgc.go, gcMark). So each
// stage runs one GC just before its goroutines block, to bring work.tstart up
// to date, and one just after, to stamp them; then the program really waits,
// ~3 minutes 20 seconds in total. -minute shortens the stages for a quick try
// (the dump then shows no minutes).
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"example.com/samples/stuck/netsrv"
	"example.com/samples/stuck/pubsub"
	"example.com/samples/stuck/queue"
	"example.com/samples/stuck/store"
)

var (
	outDir  = flag.String("out", ".", "directory for the dumps")
	name    = flag.String("name", "stuck", "file name prefix")
	minute  = flag.Duration("minute", time.Minute, "length of one stage")
	sigquit = flag.Bool("sigquit", false, "after the dumps, send SIGQUIT to this process")
)

// watchdog stays on its own OS thread, as code calling into thread-bound C
// libraries does, and waits for a stop that never comes.
func watchdog(stop <-chan struct{}) {
	runtime.LockOSThread()
	<-stop
}

// requestTimer models a request waiting out its timeout.
func requestTimer(d time.Duration) {
	time.Sleep(d)
}

// begin brings work.tstart (the stamp the next GC gives newly blocked
// goroutines) up to now.
func begin() {
	runtime.GC()
}

// stage lets the goroutines started since begin reach their blocking point,
// then stamps them with a GC.
func stage(label string) {
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	fmt.Fprintf(os.Stderr, "%s stage %s: %d goroutines\n", time.Now().Format("15:04:05"), label, runtime.NumGoroutine())
}

func dump(suffix string, debug int) {
	f, err := os.Create(filepath.Join(*outDir, *name+suffix))
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("goroutine").WriteTo(f, debug); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	flag.Parse()
	gap := *minute + 5*time.Second

	// Stage 1 (oldest, ~3 minutes at the dump).
	begin()
	srv, err := netsrv.Listen()
	if err != nil {
		panic(err)
	}
	var clients []net.Conn
	for i := 0; i < 8; i++ {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			panic(err)
		}
		clients = append(clients, c)
	}
	queue.NewPool("orders", 96)
	db := store.New(4)
	release := make(chan struct{})
	go db.Compact(release)
	go watchdog(release)
	stage("1")
	time.Sleep(gap)

	// Stage 2 (~2 minutes).
	begin()
	prices := pubsub.NewTopic()
	for i := 0; i < 48; i++ {
		prices.Subscribe(func(string) {})
	}
	queue.NewPool("emails", 24)
	stage("2")
	time.Sleep(gap)

	// Stage 3 (~1 minute): readers pile up behind the lock Compact holds.
	begin()
	for i := 0; i < 3; i++ {
		keys := []string{"a", "b", "c", "d"}
		go db.GetMany(keys)
	}
	for i := 0; i < 10; i++ {
		go db.Get(fmt.Sprint("k", i))
	}
	stage("3")
	time.Sleep(gap)

	// Stage 4 (seconds old: no minutes shown).
	begin()
	alerts := pubsub.NewTopic()
	for i := 0; i < 6; i++ {
		alerts.Subscribe(func(string) {})
	}
	for i := 0; i < 16; i++ {
		go requestTimer(30 * time.Second)
	}
	stage("4")
	time.Sleep(2 * time.Second)

	dump(".debug2.txt", 2)
	dump(".debug1.txt", 1)
	if *sigquit {
		if err := syscall.Kill(os.Getpid(), syscall.SIGQUIT); err != nil {
			panic(err)
		}
		time.Sleep(10 * time.Second)
	}
	for _, c := range clients {
		c.Close()
	}
}
