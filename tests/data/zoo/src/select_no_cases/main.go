// Command select_no_cases: a plugin host reloads its plugins on every config
// change. Each plugin's serve goroutine registers its handlers and then
// parks with `select {}` "to keep the plugin alive", so every reload leaves
// the previous plugins' goroutines behind in "select (no cases)".
//
// Classic pattern (an empty select used as "block forever" in code that is
// started more than once).
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Plugin struct {
	Name     string
	Version  int
	handlers map[string]func(string) string
}

func (p *Plugin) serve(registered *sync.WaitGroup) {
	p.handlers = map[string]func(string) string{
		"/" + p.Name: func(s string) string { return p.Name + ":" + s },
	}
	registered.Done()
	select {} // BUG: never returns
}

type Host struct {
	mu      sync.Mutex
	plugins map[string]*Plugin
	gen     int
}

func (h *Host) Reload(names []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gen++
	var wg sync.WaitGroup
	next := map[string]*Plugin{}
	for _, n := range names {
		p := &Plugin{Name: n, Version: h.gen}
		next[n] = p
		wg.Add(1)
		go p.serve(&wg)
	}
	wg.Wait()
	h.plugins = next
}

func main() {
	run := harness.Start("select_no_cases")
	h := &Host{}
	names := []string{"auth", "metrics", "ratelimit"}
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		h.Reload(names[:1+wave%3])
		if wave == 3 {
			h.Reload(names[:2])
		}
		want := []int{0, 2, 5, 8}[wave]
		run.Await(want, "select (no cases)", "main.(*Plugin).serve")
		if wave < 3 {
			run.Snapshot()
		}
	}
	_ = fmt.Sprint(h.gen)
	run.Finish()
}
