// Command audit_backlog (healthy): a busy HTTP API hands each request's audit
// record to a goroutine that sends it to one audit writer, and returns
// without waiting (fire and forget). The writer keeps up, but now and then it
// rotates its log (closes, compresses and reopens the file) and receives
// nothing for a while: every dump is taken during a rotation, so it shows a
// backlog of 8 or more senders in "chan send", made by handlers that have
// returned while their keep-alive connections serve on, and the writer asleep
// in its rotation. When the rotation ends it drains the backlog in moments.
//
// The healthy twin of leak_in_busy_server, whose writer died instead.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type Record struct {
	Path string
	At   time.Time
}

type API struct {
	audit   chan Record
	rotate  chan struct{}
	rotated atomic.Bool
	written atomic.Int64
}

// writer persists audit records one at a time, and rotates the log when asked.
func (a *API) writer() {
	for {
		select {
		case rec := <-a.audit:
			_ = rec
			time.Sleep(100 * time.Microsecond) // the write
			a.written.Add(1)
		case <-a.rotate:
			a.rotateLog()
		}
	}
}

// rotateLog stands for closing, compressing and reopening the log file: it
// takes as long as the run's snapshot does (main says when it is done).
func (a *API) rotateLog() {
	for !a.rotated.Load() {
		time.Sleep(time.Millisecond)
	}
	a.rotated.Store(false)
}

func (a *API) record(rec Record) {
	a.audit <- rec
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	go a.record(Record{Path: r.URL.String(), At: time.Now()})
	time.Sleep(200 * time.Microsecond)
	fmt.Fprintf(w, `{"ok":true}`)
}

func client(c *http.Client, base string, k int, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		resp, err := c.Get(fmt.Sprintf("%s/item?id=%d", base, k*100000+i))
		if err != nil {
			panic(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(5 * time.Millisecond) // think time
	}
}

// duringRotation takes a capture while the writer rotates its log, once 8
// senders wait for it.
func duringRotation(a *API, run *harness.Run, capture func()) {
	a.rotate <- struct{}{}
	run.Await(8, "chan send", "main.(*API).record")
	capture()
	a.rotated.Store(true)
}

func main() {
	run := harness.Start("audit_backlog")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	a := &API{audit: make(chan Record), rotate: make(chan struct{})}
	go a.writer()
	go http.Serve(ln, a)
	base := "http://" + ln.Addr().String()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for k := 0; k < 4; k++ {
		wg.Add(1)
		go client(c, base, k, stop, &wg)
	}
	for i := 0; i < 2; i++ {
		time.Sleep(150 * time.Millisecond)
		duringRotation(a, run, run.Snapshot)
	}
	time.Sleep(150 * time.Millisecond)
	duringRotation(a, run, run.Finish)
	close(stop)
	wg.Wait()
}
