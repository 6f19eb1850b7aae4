// Command semaphore_never_released: image resizes are limited by a channel
// semaphore of 4 slots. A request for an unsupported format returns before
// releasing its slot. After four such requests every slot is gone, and every
// later request waits forever in "chan send" on the semaphore.
//
// Inspired by semaphore leaks on error paths (moby, kubernetes in GoBench).
package main

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Resizer struct {
	sem  chan struct{}
	mu   sync.Mutex
	done int
}

var errFormat = errors.New("resize: unsupported format")

func (r *Resizer) Resize(name string, w, h int) error {
	r.sem <- struct{}{} // acquire
	if strings.HasSuffix(name, ".heic") {
		return errFormat // BUG: the slot is never released
	}
	time.Sleep(time.Millisecond)
	r.mu.Lock()
	r.done++
	r.mu.Unlock()
	<-r.sem // release
	return nil
}

type Server struct {
	r *Resizer
}

func (s *Server) handle(name string, done chan<- error) {
	done <- s.r.Resize(name, 320, 240)
}

// client uploads one image after the other and gives up waiting for an
// answer after 20 ms (the handler goroutine stays behind).
func client(s *Server, name string) {
	done := make(chan error, 1)
	go s.handle(name, done)
	select {
	case <-done:
	case <-time.After(20 * time.Millisecond):
	}
}

func main() {
	run := harness.Start("semaphore_never_released")
	s := &Server{r: &Resizer{sem: make(chan struct{}, 4)}}
	n := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 20; i++ {
			name := fmt.Sprintf("img-%03d.jpg", n)
			if n%10 == 9 {
				name = fmt.Sprintf("img-%03d.heic", n)
			}
			client(s, name)
			n++
		}
		run.Await([]int{0, 0, 0, 20}[wave], "chan send", "main.(*Resizer).Resize")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
