// Command keepalive_busy (healthy): an HTTP API under steady load from 24
// keep-alive clients. At every dump the clients are mid-request or between
// requests on their persistent connections: server conn goroutines in
// "IO wait", client persistConn readLoop/writeLoop goroutines, handlers
// running. Many goroutines, but a constant number, all doing work.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Item struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Price int    `json:"price"`
}

type API struct{}

func (API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var id int
	fmt.Sscanf(r.URL.Query().Get("id"), "%d", &id)
	time.Sleep(500 * time.Microsecond) // the database
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(Item{ID: id, Name: fmt.Sprintf("item %d", id), Price: id * 7 % 1000})
}

func client(c *http.Client, base string, k int, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		resp, err := c.Get(fmt.Sprintf("%s/items?id=%d", base, k*1000+i))
		if err != nil {
			panic(err)
		}
		var it Item
		json.NewDecoder(resp.Body).Decode(&it)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(12 * time.Millisecond) // think time
	}
}

func main() {
	run := harness.Start("keepalive_busy")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: API{}, IdleTimeout: time.Minute}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 24, MaxConnsPerHost: 24}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for k := 0; k < 24; k++ {
		wg.Add(1)
		go client(c, base, k, stop, &wg)
	}
	for i := 0; i < 2; i++ {
		time.Sleep(150 * time.Millisecond)
		run.Snapshot()
	}
	time.Sleep(150 * time.Millisecond)
	run.Finish()
	close(stop)
	wg.Wait()
}
