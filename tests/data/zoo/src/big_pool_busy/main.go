// Command big_pool_busy (healthy): a render farm with 400 workers in a pool,
// fed continuously by two dispatchers. Each job is a little CPU work and a
// short wait for a storage write. At every dump ~400 worker goroutines exist
// (in "chan receive", "sleep" or running): a large, constant number that is
// simply the pool size, not a leak.
package main

import (
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type Frame struct {
	Scene int
	N     int
}

type Farm struct {
	frames   chan Frame
	rendered atomic.Int64
}

func (f *Farm) worker(wg *sync.WaitGroup) {
	defer wg.Done()
	h := fnv.New64a()
	for fr := range f.frames {
		for i := 0; i < 200; i++ {
			h.Write([]byte{byte(fr.N), byte(i)})
		}
		time.Sleep(40 * time.Millisecond) // the storage write
		f.rendered.Add(1)
	}
}

func (f *Farm) dispatch(scene int, stop *atomic.Bool, wg *sync.WaitGroup) {
	defer wg.Done()
	for n := 0; !stop.Load(); n++ {
		f.frames <- Frame{Scene: scene, N: n}
		if n%4 == 3 {
			time.Sleep(time.Millisecond)
		}
	}
}

func main() {
	run := harness.Start("big_pool_busy")
	f := &Farm{frames: make(chan Frame, 64)}
	var workers, dispatchers sync.WaitGroup
	for i := 0; i < 400; i++ {
		workers.Add(1)
		go f.worker(&workers)
	}
	var stop atomic.Bool
	for s := 0; s < 2; s++ {
		dispatchers.Add(1)
		go f.dispatch(s, &stop, &dispatchers)
	}
	for i := 0; i < 2; i++ {
		time.Sleep(150 * time.Millisecond)
		run.Snapshot()
	}
	time.Sleep(150 * time.Millisecond)
	run.Finish()
	stop.Store(true)
	dispatchers.Wait()
	close(f.frames)
	workers.Wait()
}
