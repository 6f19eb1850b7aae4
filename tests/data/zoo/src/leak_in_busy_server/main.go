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

// client makes requests for ids first..first+n-1 over its keep-alive
// connection, one after the other.
func client(c *http.Client, base string, first, n int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := first; i < first+n; i++ {
		get(c, fmt.Sprintf("%s/item?id=%d", base, i))
	}
}

// poller is the steady background traffic: valid ids until stop.
func poller(c *http.Client, base string, k int, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		// 1000000+97*j is never an id the handler rejects.
		get(c, fmt.Sprintf("%s/item?id=%d", base, 1000000+97*(k*100000+i)))
		time.Sleep(10 * time.Millisecond)
	}
}

func get(c *http.Client, url string) {
	resp, err := c.Get(url)
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
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
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	stop := make(chan struct{})
	var pollers sync.WaitGroup
	for k := 0; k < 16; k++ {
		pollers.Add(1)
		go poller(c, base, k, stop, &pollers)
	}
	// Three rounds of 16 clients x 14 ids (ids 0..671). 7 ids have
	// id%97 == 13 (3, 2 and 2 per round); the audit writer takes the first 2
	// records and dies, so 1, 3 and then 5 audit goroutines are stuck.
	for round := 0; round < 3; round++ {
		time.Sleep(100 * time.Millisecond)
		var wg sync.WaitGroup
		for k := 0; k < 16; k++ {
			wg.Add(1)
			go client(c, base, round*224+k*14, 14, &wg)
		}
		wg.Wait()
		run.Await([]int{1, 3, 5}[round], "chan send", "main.(*Handler).audit")
		if round < 2 {
			run.Snapshot()
		}
	}
	time.Sleep(20 * time.Millisecond)
	run.Finish()
	close(stop)
	pollers.Wait()
}
