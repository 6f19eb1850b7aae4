// Command leak records a runtime/trace of an HTTP server on 127.0.0.1 while a
// client makes a few hundred requests; each request leaks one goroutine in
// "chan send". After the trace it writes debug=2 and debug=1 goroutine dumps
// and, with -sigquit, sends itself SIGQUIT (run with GOTRACEBACK=all and
// capture stderr for the crash-style traceback).
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"syscall"
	"time"

	"example.com/samples/leak/reports"
)

var (
	outDir   = flag.String("out", ".", "output directory")
	name     = flag.String("name", "leak", "file name prefix")
	requests = flag.Int("requests", 300, "requests the client makes")
	clients  = flag.Int("clients", 4, "concurrent client connections")
	sigquit  = flag.Bool("sigquit", false, "after the dumps, send SIGQUIT to this process")
)

func create(file string) *os.File {
	f, err := os.Create(filepath.Join(*outDir, file))
	if err != nil {
		panic(err)
	}
	return f
}

func dump(suffix string, debug int) {
	f := create(*name + suffix)
	if err := pprof.Lookup("goroutine").WriteTo(f, debug); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

// fetch makes n requests over one keep-alive connection.
func fetch(c *http.Client, base string, first, n int) {
	for i := first; i < first+n; i++ {
		resp, err := c.Get(fmt.Sprintf("%s/report?id=%d", base, i))
		if err != nil {
			panic(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func main() {
	flag.Parse()
	tf := create(*name + ".trace")
	if err := trace.Start(tf); err != nil {
		panic(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/report", &reports.Handler{Timeout: time.Millisecond, RenderTime: 3 * time.Millisecond})
	go func() { _ = http.Serve(ln, mux) }()

	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}}
	var wg sync.WaitGroup
	per := *requests / *clients
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func(first int) {
			defer wg.Done()
			fetch(client, base, first, per)
		}(i * per)
	}
	wg.Wait()
	time.Sleep(20 * time.Millisecond) // every renderer reaches its send

	trace.Stop()
	if err := tf.Close(); err != nil {
		panic(err)
	}
	dump(".debug2.txt", 2)
	dump(".debug1.txt", 1)
	if *sigquit {
		if err := syscall.Kill(os.Getpid(), syscall.SIGQUIT); err != nil {
			panic(err)
		}
		time.Sleep(10 * time.Second)
	}
}
