// Command rwmutex_recursive_rlock: a routing table's Lookup holds the read
// lock and calls resolve, which takes the read lock again. While the first
// read lock is held a config reload asks for the write lock; Go's RWMutex
// then blocks new readers, so the nested RLock waits for the writer, which
// waits for the outer RLock: "sync.RWMutex.RLock" and "sync.RWMutex.Lock",
// and every later lookup piles up in "sync.RWMutex.RLock".
//
// Inspired by the recursive read-lock deadlocks of GoBench (cockroach, etcd,
// kubernetes).
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Route struct {
	Prefix  string
	Backend string
	Alias   string
}

type Table struct {
	mu     sync.RWMutex
	routes map[string]Route
}

func (t *Table) Lookup(prefix string) string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	r := t.routes[prefix]
	if r.Alias != "" {
		time.Sleep(100 * time.Millisecond) // logs the alias hop
		return t.resolve(r.Alias)
	}
	return r.Backend
}

func (t *Table) resolve(prefix string) string {
	t.mu.RLock() // BUG: recursive read lock
	defer t.mu.RUnlock()
	return t.routes[prefix].Backend
}

func (t *Table) Reload(routes map[string]Route) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.routes = routes
}

type Proxy struct {
	table *Table
}

func (p *Proxy) serve(prefix string, wg *sync.WaitGroup) {
	defer wg.Done()
	_ = p.table.Lookup(prefix)
}

func (p *Proxy) watchConfig(reloads <-chan map[string]Route) {
	for r := range reloads {
		p.table.Reload(r)
	}
}

func routes(gen int) map[string]Route {
	m := map[string]Route{}
	for i := 0; i < 10; i++ {
		p := fmt.Sprintf("/api/v%d", i)
		m[p] = Route{Prefix: p, Backend: fmt.Sprintf("10.0.%d.%d:80", gen, i)}
	}
	m["/legacy"] = Route{Prefix: "/legacy", Alias: "/api/v1"}
	return m
}

func main() {
	run := harness.Start("rwmutex_recursive_rlock")
	p := &Proxy{table: &Table{routes: routes(0)}}
	reloads := make(chan map[string]Route)
	go p.watchConfig(reloads)
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go p.serve(fmt.Sprintf("/api/v%d", i%10), &wg)
	}
	wg.Wait()
	run.Snapshot()
	wg.Add(1)
	go p.serve("/legacy", &wg) // holds the read lock for 100 ms
	run.Await(1, "sleep", "main.(*Table).Lookup")
	reloads <- routes(1) // the writer queues behind it
	run.Await(1, "sync.RWMutex.RLock", "main.(*Table).resolve")
	run.Snapshot()
	for i := 0; i < 25; i++ {
		wg.Add(1)
		go p.serve(fmt.Sprintf("/api/v%d", i%10), &wg)
	}
	run.Await(25, "sync.RWMutex.RLock", "main.(*Table).Lookup")
	run.Finish()
}
