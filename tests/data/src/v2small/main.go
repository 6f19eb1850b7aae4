// Command v2small writes a small Go 1.22+ execution trace to stdout: goroutine
// creation, channel blocking and unblocking, a mutex, sleeps, a syscall, GC, and a
// user task, region and log, so every common kind of event is in it.
package main

import (
	"context"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
	"time"
)

var sink [][]byte

func main() {
	if err := trace.Start(os.Stdout); err != nil {
		panic(err)
	}
	ctx, task := trace.NewTask(context.Background(), "small")
	trace.Log(ctx, "phase", "start")
	var mu sync.Mutex
	var wg sync.WaitGroup
	ch := make(chan int)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			trace.WithRegion(ctx, "work", func() {
				mu.Lock()
				sink = append(sink, make([]byte, 64<<10))
				mu.Unlock()
				time.Sleep(time.Millisecond)
			})
			ch <- i
		}(i)
	}
	for i := 0; i < 20; i++ {
		<-ch
	}
	wg.Wait()
	f, _ := os.CreateTemp("", "v2small")
	f.Write([]byte("x"))
	f.Sync()
	f.Close()
	os.Remove(f.Name())
	runtime.GC()
	go func() { select {} }() // still blocked when the trace stops
	time.Sleep(2 * time.Millisecond)
	task.End()
	trace.Stop()
}
