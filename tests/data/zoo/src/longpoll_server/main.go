// Command longpoll_server (healthy): a notification service where 100
// clients hold long-poll requests open. Each handler waits in "select" on
// the event hub, a 30 s poll timeout and the request context; an event is
// published every 15 ms and wakes a handful of them, whose clients poll
// again at once. Every dump shows ~100 handlers in "select" of similar
// stacks, the same number each time: connected clients, not a leak.
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

type Hub struct {
	mu      sync.Mutex
	waiters map[string][]chan string
}

func (h *Hub) Subscribe(topic string) chan string {
	ch := make(chan string, 1)
	h.mu.Lock()
	h.waiters[topic] = append(h.waiters[topic], ch)
	h.mu.Unlock()
	return ch
}

func (h *Hub) Unsubscribe(topic string, ch chan string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ws := h.waiters[topic]
	for i, c := range ws {
		if c == ch {
			h.waiters[topic] = append(ws[:i], ws[i+1:]...)
			return
		}
	}
}

func (h *Hub) Publish(topic, msg string) {
	h.mu.Lock()
	ws := h.waiters[topic]
	delete(h.waiters, topic)
	h.mu.Unlock()
	for _, c := range ws {
		c <- msg
	}
}

type PollHandler struct {
	hub *Hub
}

func (p *PollHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	topic := r.URL.Query().Get("topic")
	ch := p.hub.Subscribe(topic)
	defer p.hub.Unsubscribe(topic, ch)
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case msg := <-ch:
		io.WriteString(w, msg)
	case <-t.C:
		w.WriteHeader(http.StatusNoContent)
	case <-r.Context().Done():
	}
}

func poller(c *http.Client, base, topic string, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		resp, err := c.Get(base + "/poll?topic=" + topic)
		if err != nil {
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func main() {
	run := harness.Start("longpoll_server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	hub := &Hub{waiters: map[string][]chan string{}}
	mux := http.NewServeMux()
	mux.Handle("/poll", &PollHandler{hub: hub})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for k := 0; k < 100; k++ {
		wg.Add(1)
		go poller(c, base, fmt.Sprintf("user-%d", k%20), stop, &wg)
	}
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(15 * time.Millisecond):
				hub.Publish(fmt.Sprintf("user-%d", i%20), fmt.Sprintf("event %d", i))
			}
		}
	}()
	for i := 0; i < 2; i++ {
		time.Sleep(150 * time.Millisecond)
		run.Snapshot()
	}
	time.Sleep(150 * time.Millisecond)
	run.Finish()
	close(stop)
	for i := 0; i < 20; i++ {
		hub.Publish(fmt.Sprintf("user-%d", i), "bye")
	}
	srv.Close()
	wg.Wait()
}
