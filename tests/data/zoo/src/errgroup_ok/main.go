// Command errgroup_ok (healthy): the same small errgroup-like Group as in
// errgroup_partial, used correctly: the collector drains the results
// channel to the end, fetchers watch ctx.Done() when sending, and every
// batch ends with Wait. The first dump is taken while a batch of 60 fetches
// is in flight, the later ones after: only main is left.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Group struct {
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
	cancel  context.CancelFunc
}

func WithContext(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &Group{cancel: cancel}, ctx
}

func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.errOnce.Do(func() {
				g.err = err
				if g.cancel != nil {
					g.cancel()
				}
			})
		}
	}()
}

func (g *Group) Wait() error {
	g.wg.Wait()
	if g.cancel != nil {
		g.cancel()
	}
	return g.err
}

type Doc struct{ ID string }

var errBad = errors.New("bad document")

func fetch(ctx context.Context, id string, d time.Duration) (Doc, error) {
	select {
	case <-time.After(d):
		return Doc{ID: id}, nil
	case <-ctx.Done():
		return Doc{}, ctx.Err()
	}
}

func IndexAll(ctx context.Context, ids []string, d time.Duration, failOn string) (int, error) {
	g, ctx := WithContext(ctx)
	results := make(chan Doc)
	for _, id := range ids {
		id := id
		g.Go(func() error {
			doc, err := fetch(ctx, id, d)
			if err != nil {
				return err
			}
			if id == failOn {
				return errBad
			}
			select {
			case results <- doc:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}
	go func() {
		g.Wait()
		close(results)
	}()
	n := 0
	for range results { // drained to the end, even after an error
		n++
	}
	return n, g.Wait()
}

func main() {
	run := harness.Start("errgroup_ok")
	var ids []string
	for i := 0; i < 60; i++ {
		ids = append(ids, fmt.Sprintf("doc-%d", i))
	}
	done := make(chan struct{})
	go func() {
		IndexAll(context.Background(), ids, 300*time.Millisecond, "")
		close(done)
	}()
	run.Await(60, "select", "main.fetch")
	run.Snapshot()
	<-done
	for b := 0; b < 5; b++ {
		IndexAll(context.Background(), ids, time.Millisecond, ids[b*7])
	}
	time.Sleep(20 * time.Millisecond)
	run.Snapshot()
	time.Sleep(50 * time.Millisecond)
	run.Finish()
}
