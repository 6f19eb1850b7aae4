// Command spike records a runtime/trace of a request server that, after
// ~50 ms of steady reads, receives a burst of "watch" requests; each one
// leaves a subscription watcher goroutine parked in select. A goroutine dump
// is written after the trace stops.
package main

import (
	"flag"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"sync"
	"time"

	"example.com/samples/spike/api"
)

var (
	outDir   = flag.String("out", ".", "output directory")
	name     = flag.String("name", "spike", "file name prefix")
	watchers = flag.Int("watchers", 3000, "watch requests in the burst")
	withDump = flag.Bool("dump", false, "also write NAME.debug2.txt after the trace")
)

type server struct {
	api  *api.Server
	reqs chan api.Request
	wg   sync.WaitGroup
}

// worker is one of the fixed request-handling goroutines.
func (s *server) worker() {
	defer s.wg.Done()
	for r := range s.reqs {
		s.api.Handle(r)
	}
}

func create(file string) *os.File {
	f, err := os.Create(filepath.Join(*outDir, file))
	if err != nil {
		panic(err)
	}
	return f
}

func main() {
	flag.Parse()
	tf := create(*name + ".trace")
	if err := trace.Start(tf); err != nil {
		panic(err)
	}

	s := &server{api: api.NewServer(), reqs: make(chan api.Request)}
	for i := 0; i < 8; i++ {
		s.wg.Add(1)
		go s.worker()
	}

	// Steady traffic: about one read per millisecond for ~50 ms.
	for i := 0; i < 50; i++ {
		s.reqs <- api.Request{Kind: "get", Topic: "item" + strconv.Itoa(i)}
		time.Sleep(time.Millisecond)
	}

	// The burst: every client reconnects and re-subscribes at once, in
	// batches of 200 every 10 ms.
	for i := 0; i < *watchers; i++ {
		s.reqs <- api.Request{Kind: "watch", Topic: "prices/" + strconv.Itoa(i%20)}
		if i%200 == 199 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	close(s.reqs)
	s.wg.Wait()
	time.Sleep(20 * time.Millisecond)

	trace.Stop()
	if err := tf.Close(); err != nil {
		panic(err)
	}
	if *withDump {
		f := create(*name + ".debug2.txt")
		if err := pprof.Lookup("goroutine").WriteTo(f, 2); err != nil {
			panic(err)
		}
		if err := f.Close(); err != nil {
			panic(err)
		}
	}
}
