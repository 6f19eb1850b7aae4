// Command leak_in_busy_server: a busy HTTP API with keep-alive clients. On
// the rare request that fails validation, the handler hands an audit record
// to a goroutine that sends it to the audit writer; the audit writer died
// earlier (it returned after a write error), so those few goroutines wait in
// "chan send" forever. At dump time the clients are still hammering the
// server: a handful of leaked goroutines hidden among a hundred healthy ones.
//
// Inspired by a small leak behind an error path in a busy service (GoBench's
// "send after the consumer exited" family).
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type AuditRecord struct {
	Path   string
	Reason string
}

type Handler struct {
	auditCh chan AuditRecord
	served  atomic.Int64
}

func (h *Handler) auditWriter(failAfter int) {
	n := 0
	for range h.auditCh {
		n++
		if n == failAfter {
			return // write error: the writer gives up (BUG: nobody restarts it)
		}
	}
}

func (h *Handler) audit(rec AuditRecord) {
	h.auditCh <- rec
}

var errInvalid = errors.New("invalid item id")

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.URL.Query().Get("id"))
	if err == nil && id%97 == 13 {
		err = errInvalid
	}
	if err != nil {
		go h.audit(AuditRecord{Path: r.URL.String(), Reason: err.Error()})
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.served.Add(1)
	time.Sleep(200 * time.Microsecond)
	fmt.Fprintf(w, `{"id":%d,"price":%d}`, id, id*3)
}

func client(c *http.Client, base string, first, n int, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := first; i < first+n; i++ {
		resp, err := c.Get(fmt.Sprintf("%s/item?id=%d", base, i))
		if err != nil {
			panic(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// Keep the connection busy until the dumps are taken.
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		resp, err := c.Get(fmt.Sprintf("%s/item?id=%d", base, 100000+97*i))
		if err != nil {
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

func main() {
	run := harness.Start("leak_in_busy_server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	h := &Handler{auditCh: make(chan AuditRecord)}
	go h.auditWriter(2)
	mux := http.NewServeMux()
	mux.Handle("/item", h)
	go http.Serve(ln, mux)
	base := "http://" + ln.Addr().String()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// 16 clients x 40 ids: ids 0..639 contain 7 with id%97 == 13; the first
	// 2 audit records are written, the other 5 leak.
	for k := 0; k < 16; k++ {
		wg.Add(1)
		go client(c, base, k*40, 40, stop, &wg)
	}
	for i := 1; i <= 2; i++ {
		time.Sleep(150 * time.Millisecond)
		run.Snapshot()
	}
	run.Await(5, "chan send", "main.(*Handler).audit")
	time.Sleep(50 * time.Millisecond)
	run.Finish()
	close(stop)
	wg.Wait()
}
