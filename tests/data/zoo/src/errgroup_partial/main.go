// Command errgroup_partial: an indexer fetches the documents of a batch in
// parallel with a small errgroup-like Group and stores them as they arrive.
// When storing fails, IndexAll returns at once; the remaining fetchers stay
// blocked sending their document ("chan send"), and the goroutine that was
// to close the results channel after Group.Wait stays in
// "sync.WaitGroup.Wait" ("semacquire" before Go 1.22).
//
// Classic pattern (errgroup after a partial failure), as in GoBench's
// kubernetes and etcd bugs where a collector returns early.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

// Group is a tiny errgroup: Go runs f, Wait returns the first error.
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

type Doc struct {
	ID   string
	Body string
}

type Indexer struct {
	mu      sync.Mutex
	stored  map[string]bool
	badDocs map[string]bool
}

var errStore = errors.New("index: store rejected document")

func (ix *Indexer) fetch(ctx context.Context, id string) (Doc, error) {
	time.Sleep(2 * time.Millisecond)
	return Doc{ID: id, Body: "body of " + id}, nil
}

func (ix *Indexer) store(d Doc) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.badDocs[d.ID] {
		return errStore
	}
	ix.stored[d.ID] = true
	return nil
}

func (ix *Indexer) IndexAll(ctx context.Context, ids []string) error {
	g, ctx := WithContext(ctx)
	results := make(chan Doc)
	for _, id := range ids {
		id := id
		g.Go(func() error {
			d, err := ix.fetch(ctx, id)
			if err != nil {
				return err
			}
			results <- d // BUG: blocks forever once IndexAll has returned
			return nil
		})
	}
	go func() {
		_ = g.Wait()
		close(results)
	}()
	for d := range results {
		if err := ix.store(d); err != nil {
			return fmt.Errorf("indexing batch: %w", err)
		}
	}
	return g.Wait()
}

func main() {
	run := harness.Start("errgroup_partial")
	ix := &Indexer{stored: map[string]bool{}, badDocs: map[string]bool{}}
	wgState := "sync.WaitGroup.Wait"
	if harness.GoBefore(22) {
		wgState = "semacquire"
	}
	batch := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 6; i++ {
			var ids []string
			for k := 0; k < 6; k++ {
				ids = append(ids, fmt.Sprintf("doc-%d-%d", batch, k))
			}
			if i%3 == 0 {
				// One bad document poisons the batch: the first one stored fails.
				for _, id := range ids {
					ix.badDocs[id] = true
				}
			}
			_ = ix.IndexAll(context.Background(), ids)
			batch++
		}
		run.Await(10*wave, "chan send", "main.(*Indexer).IndexAll.func1")
		run.Await(2*wave, wgState, "main.(*Group).Wait")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
