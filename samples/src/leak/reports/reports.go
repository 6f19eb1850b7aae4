// Package reports serves rendered reports over HTTP. The handler gives the
// renderer a deadline and returns when it passes, but the renderer still
// sends its result on an unbuffered channel nobody reads any more: one
// goroutine leaks per timed-out request, blocked in "chan send".
package reports

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Handler renders /report?id=N.
type Handler struct {
	Timeout    time.Duration // how long a request waits for its report
	RenderTime time.Duration // how long rendering takes
}

type result struct {
	body string
	err  error
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	results := make(chan result)
	go h.render(id, results)
	select {
	case res := <-results:
		if res.err != nil {
			http.Error(w, res.err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, res.body)
	case <-time.After(h.Timeout):
		http.Error(w, "report "+id+" timed out", http.StatusGatewayTimeout)
	}
}

// render builds the report, then hands it over; if the handler gave up, the
// send blocks forever.
func (h *Handler) render(id string, results chan<- result) {
	time.Sleep(h.RenderTime)
	body := strings.Repeat("row "+id+"\n", 8)
	results <- result{body: body}
}
