// Pattern: a mutex held while sending on an unbuffered channel whose receiver
// needs the same mutex (cf. GoKer syncthing/etcd "lock held across channel
// send" bugs). (*folderModel).commit holds m.mu and sends each change on the
// unbuffered m.changes; (*folderModel).applyLoop receives one change and then
// takes m.mu to apply it. The committer blocks in chan send holding the lock,
// the loop blocks in Lock, and every scanner that then calls
// (*folderModel).Stat blocks on m.mu too.
//
// Leaked: 15 goroutines in "sync.Mutex.Lock" (Go 1.21: "semacquire") at
// main.(*folderModel).Stat, created by main.(*scanner).start (called by
// main.main); the cause: 1 in "chan send" at main.(*folderModel).commit
// (holds m.mu; created by main.main) and 1 in "sync.Mutex.Lock" at
// main.(*folderModel).applyLoop (created by main.main).
// Busy process: a live HTTP server with 4 idle keep-alive clients and a
// sleeping metrics poller.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"example.com/busylockgen/internal/capture"
)

type change struct {
	path string
	size int64
}

type folderModel struct {
	mu      sync.Mutex
	files   map[string]int64
	changes chan change
	seq     int
}

func (m *folderModel) commit(batch []change) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range batch {
		m.seq++
		m.changes <- c // BUG: sent while holding m.mu
	}
}

func (m *folderModel) applyLoop() {
	for c := range m.changes {
		m.mu.Lock()
		m.files[c.path] = c.size
		m.mu.Unlock()
	}
}

func (m *folderModel) Stat(path string) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.files[path]
	return s, ok
}

type scanner struct {
	m    *folderModel
	root string
}

func (s *scanner) start() {
	go func() {
		for i := 0; ; i++ {
			s.m.Stat(fmt.Sprintf("%s/f%d", s.root, i%10))
			time.Sleep(time.Millisecond)
		}
	}()
}

var scrapes int

func metricsPoller() {
	for {
		scrapes++
		time.Sleep(10 * time.Millisecond)
	}
}

func main() {
	run := capture.Start("lock_send_deadlock")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	go metricsPoller()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 3; j++ {
				if resp, err := client.Get("http://" + ln.Addr().String() + "/rest/status"); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()

	m := &folderModel{files: map[string]int64{}, changes: make(chan change)}
	go m.applyLoop()
	for _, c := range []change{{"a/1", 10}, {"a/2", 20}} {
		m.commit([]change{c}) // fine: a batch of one works...
		run.Wait("chan receive", "main.(*folderModel).applyLoop", 1, 500*time.Millisecond)
	}
	time.Sleep(2 * time.Millisecond)
	mutexSt := "sync.Mutex.Lock"
	for phase := 1; phase <= 3; phase++ {
		for i := 0; i < 5; i++ {
			(&scanner{m: m, root: fmt.Sprintf("dir%d", (phase-1)*5+i)}).start()
		}
		if phase == 1 {
			time.Sleep(3 * time.Millisecond)
			// ...a batch of three deadlocks at its second change
			go m.commit([]change{{"b/1", 1}, {"b/2", 2}, {"b/3", 3}})
			run.Wait("chan send", "main.(*folderModel).commit", 1, 1000*time.Millisecond)
			if capture.Count("semacquire", "main.(*folderModel).applyLoop") > 0 {
				mutexSt = "semacquire"
			}
		}
		run.Wait(mutexSt, "main.(*folderModel).Stat", 5*phase, 1500*time.Millisecond)
		if phase < 3 {
			run.Snapshot(phase)
		}
	}
	run.Finish()
}
