// Command http_body_unclosed: a status checker polls an upstream over HTTP.
// On a non-200 answer it returns an error without closing the response
// body, so that connection can never go back to the idle pool: its
// net/http.(*persistConn).readLoop and writeLoop goroutines stay behind (and
// the server keeps a net/http.(*conn).serve goroutine for it), one set per
// unclosed body. A second, well-behaved client on the same server reuses its
// keep-alive connections and adds no goroutines.
//
// Classic pattern (resp.Body never closed on an error path).
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Checker struct {
	client *http.Client
	base   string
}

var errUnhealthy = errors.New("upstream unhealthy")

func (c *Checker) Check(shard int) error {
	resp, err := c.client.Get(fmt.Sprintf("%s/status?shard=%d", c.base, shard))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("shard %d: %w (%s)", shard, errUnhealthy, resp.Status) // BUG: resp.Body not closed
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func statusHandler(w http.ResponseWriter, r *http.Request) {
	shard, _ := strconv.Atoi(r.URL.Query().Get("shard"))
	if shard%5 == 4 {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, strings.Repeat("degraded\n", 40))
		return
	}
	io.WriteString(w, "ok\n")
}

func main() {
	run := harness.Start("http_body_unclosed")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/status", statusHandler)
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()

	checker := &Checker{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}, base: base}
	good := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}

	shard := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 40; i++ {
			_ = checker.Check(shard)
			shard++
		}
		var wg sync.WaitGroup
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					resp, err := good.Get(base + "/status?shard=0")
					if err != nil {
						panic(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		run.Await(8*wave, "select", "net/http.(*persistConn).readLoop")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
