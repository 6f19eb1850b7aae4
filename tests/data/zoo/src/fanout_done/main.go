// Command fanout_done (healthy): a search front end fans a query out to 200
// shards, one goroutine each, and fans the answers in. Every shard answers,
// every goroutine exits. The first dump is taken mid-query (200 goroutines
// sleeping in the shard call), the later ones after the query: only main
// is left. A spike that drains is not a leak.
package main

import (
	"math/rand"
	"sort"
	"time"

	"example.com/zoo/internal/harness"
)

type Hit struct {
	Shard int
	Score float64
}

type Shard struct {
	ID      int
	latency time.Duration
}

func (s *Shard) Search(q string) []Hit {
	time.Sleep(s.latency)
	return []Hit{{Shard: s.ID, Score: float64(len(q)*s.ID%97) / 97}}
}

func Search(shards []*Shard, q string) []Hit {
	out := make(chan []Hit, len(shards))
	for _, s := range shards {
		go func(s *Shard) { out <- s.Search(q) }(s)
	}
	var all []Hit
	for range shards {
		all = append(all, <-out...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Score > all[j].Score })
	return all[:10]
}

func main() {
	run := harness.Start("fanout_done")
	rng := rand.New(rand.NewSource(3))
	var shards []*Shard
	for i := 0; i < 200; i++ {
		shards = append(shards, &Shard{ID: i, latency: time.Duration(300+rng.Intn(50)) * time.Millisecond})
	}
	done := make(chan []Hit)
	go func() { done <- Search(shards, "golang goroutine leak") }()
	run.Await(200, "sleep", "main.(*Shard).Search")
	run.Snapshot()
	<-done
	_ = Search(shards[:20], "second query")
	run.Snapshot()
	time.Sleep(50 * time.Millisecond)
	run.Finish()
}
