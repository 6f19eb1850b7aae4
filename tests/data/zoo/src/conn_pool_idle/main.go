// Command conn_pool_idle (healthy): a service talks to an upstream over HTTP
// with a connection pool of 6 keep-alive connections. After a burst of
// requests (every body read and closed) the pool is idle for a moment:
// each idle connection has a client readLoop ("IO wait") and writeLoop
// ("select") and a server conn goroutine ("IO wait"). Their number is the
// pool size and does not grow between bursts; the idle timeout (90 s) would
// close them.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

// warm holds the first requests until 6 are in flight, so that the client
// really opens its 6 connections.
var warm sync.WaitGroup

func upstream(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("warm") != "" {
		warm.Done()
		warm.Wait()
	}
	fmt.Fprintf(w, "pong %s\n", r.URL.Query().Get("n"))
}

func warmUp(c *http.Client, base string) {
	warm.Add(6)
	var wg sync.WaitGroup
	for k := 0; k < 6; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(base + "/ping?warm=1")
			if err != nil {
				panic(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
}

func burst(c *http.Client, base string, n int) {
	var wg sync.WaitGroup
	for k := 0; k < 6; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				resp, err := c.Get(fmt.Sprintf("%s/ping?n=%d", base, k*n+i))
				if err != nil {
					panic(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}(k)
	}
	wg.Wait()
}

func main() {
	run := harness.Start("conn_pool_idle")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", upstream)
	go http.Serve(ln, mux)
	base := "http://" + ln.Addr().String()
	tr := &http.Transport{MaxIdleConnsPerHost: 6, MaxConnsPerHost: 6, IdleConnTimeout: 90 * time.Second}
	c := &http.Client{Transport: tr}
	warmUp(c, base)
	for b := 1; b <= 3; b++ {
		burst(c, base, 30)
		run.Await(6, "IO wait", "net/http.(*persistConn).readLoop")
		time.Sleep(100 * time.Millisecond) // idle
		if b < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
