// servedgen is a small service that serves net/http/pprof, as most services do,
// and fetches its own goroutine dump over HTTP the way an on-call engineer does
// (curl /debug/pprof/goroutine?debug=2, ?debug=1, and the default protobuf).
// While it is taken the service holds idle keep-alive connections, an accept
// loop and the pprof request itself: goroutines waiting on the network or
// running, all of them the standard library's.
//
//	go run . OUTDIR PREFIX deadlock|healthy
//
// deadlock: two goroutines took two locks in opposite orders, and eight request
// handlers wait for the first lock: nothing of the program's own runs.
// healthy: a replicator holds the same lock while it reads from a peer (a network
// wait in the program's own code), and eight handlers wait for it: in flight.
//
// Standard library only.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"sync"
	"time"
)

type Store struct {
	mu    sync.Mutex
	index sync.Mutex
	data  map[string]string
}

// Get is what every request handler does: it takes the store's lock.
func (s *Store) Get(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[key]
}

// Reindex takes the store's lock, then the index's.
func (s *Store) Reindex(started chan<- struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	started <- struct{}{}
	time.Sleep(20 * time.Millisecond)
	s.index.Lock() // BUG: Compact holds index and waits for mu
	defer s.index.Unlock()
}

// Compact takes the index's lock, then the store's: the opposite order.
func (s *Store) Compact(started chan<- struct{}) {
	s.index.Lock()
	defer s.index.Unlock()
	started <- struct{}{}
	time.Sleep(20 * time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
}

// Replicate holds the store's lock while it reads the next change from its peer.
func (s *Store) Replicate(peer net.Conn, started chan<- struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	started <- struct{}{}
	buf := make([]byte, 64)
	_, _ = peer.Read(buf)
}

func handle(s *Store, i int) {
	_ = s.Get(fmt.Sprint("user-", i))
}

func fetch(c *http.Client, base, dir, prefix string, debug int) {
	resp, err := c.Get(fmt.Sprintf("%s/debug/pprof/goroutine?debug=%d", base, debug))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	ext := "txt"
	if debug == 0 {
		ext = "pb.gz"
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s.debug%d.%s", prefix, debug, ext)))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		panic(err)
	}
}

var peer net.Conn // the replicator's peer, kept open

func main() {
	dir, prefix, mode := os.Args[1], os.Args[2], os.Args[3]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { _ = http.Serve(ln, nil) }()
	base := "http://" + ln.Addr().String()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	// Idle keep-alive connections: clients that made a request and keep the connection.
	var idle sync.WaitGroup
	for i := 0; i < 4; i++ {
		idle.Add(1)
		go func() {
			defer idle.Done()
			resp, err := c.Get(base + "/debug/pprof/cmdline")
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	idle.Wait()

	s := &Store{data: map[string]string{}}
	started := make(chan struct{}, 2)
	switch mode {
	case "deadlock":
		go s.Reindex(started)
		go s.Compact(started)
		<-started
		<-started
		time.Sleep(100 * time.Millisecond) // both past their sleeps: deadlocked
	case "healthy":
		peerLn, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		accepted := make(chan net.Conn, 1)
		go func() {
			conn, err := peerLn.Accept()
			if err != nil {
				panic(err)
			}
			accepted <- conn // a slow peer: it sends nothing yet
		}()
		conn, err := net.Dial("tcp", peerLn.Addr().String())
		if err != nil {
			panic(err)
		}
		peer = <-accepted
		go s.Replicate(conn, started)
		<-started
	default:
		panic("mode: deadlock or healthy")
	}
	for i := 0; i < 8; i++ {
		go handle(s, i)
	}
	time.Sleep(100 * time.Millisecond)
	for _, debug := range []int{2, 1, 0} {
		fetch(c, base, dir, prefix, debug)
	}
}
