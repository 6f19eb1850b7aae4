// Command emptynames writes a small execution trace to stdout in which every
// user annotation has an empty name: a task, regions (WithRegion and
// StartRegion) and a log with an empty category and message. The runtime writes
// the empty string as string id 0, which Go's reader resolves to "".
package main

import (
	"context"
	"os"
	"runtime/trace"
	"sync"
	"time"
)

func main() {
	if err := trace.Start(os.Stdout); err != nil {
		panic(err)
	}
	ctx, task := trace.NewTask(context.Background(), "")
	trace.Log(ctx, "", "")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trace.WithRegion(ctx, "", func() {
				time.Sleep(time.Millisecond)
			})
			r := trace.StartRegion(ctx, "")
			trace.Log(ctx, "", "")
			r.End()
		}()
	}
	wg.Wait()
	_, sub := trace.NewTask(ctx, "")
	sub.End()
	task.End()
	trace.Stop()
}
