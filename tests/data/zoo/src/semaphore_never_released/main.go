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

func (s *Server) handle(name string) {
	_ = s.r.Resize(name, 320, 240)
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
			go s.handle(name)
			n++
			time.Sleep(2 * time.Millisecond)
		}
		if wave >= 2 {
			run.Await(20*(wave-2)+0, "chan send", "main.(*Resizer).Resize")
		}
		if wave < 3 {
			time.Sleep(20 * time.Millisecond)
			run.Snapshot()
		}
	}
	run.Finish()
}
