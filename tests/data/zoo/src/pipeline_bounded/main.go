// Command pipeline_bounded (healthy): a log pipeline with three stages
// (parse, enrich, write), four goroutines per stage, connected by small
// buffered channels, streaming records from a producer the whole run. At
// every dump the same 13 goroutines are there, in "chan receive", "chan
// send" or running: bounded, busy, not leaking.
package main

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"example.com/zoo/internal/harness"
)

type Record struct {
	Raw    string
	Fields []string
	Host   string
}

type Pipeline struct {
	raw      chan string
	parsed   chan Record
	enriched chan Record
	written  atomic.Int64
}

func (p *Pipeline) parse(wg *sync.WaitGroup) {
	defer wg.Done()
	for line := range p.raw {
		p.parsed <- Record{Raw: line, Fields: strings.Fields(line)}
	}
}

func (p *Pipeline) enrich(wg *sync.WaitGroup) {
	defer wg.Done()
	for r := range p.parsed {
		if len(r.Fields) > 1 {
			r.Host = strings.ToUpper(r.Fields[1])
		}
		p.enriched <- r
	}
}

func (p *Pipeline) write(wg *sync.WaitGroup) {
	defer wg.Done()
	for r := range p.enriched {
		_ = len(r.Raw)
		time.Sleep(100 * time.Microsecond) // the sink
		p.written.Add(1)
	}
}

func (p *Pipeline) produce(stop <-chan struct{}) {
	defer close(p.raw)
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case p.raw <- fmt.Sprintf("2024-05-01T12:00:%02d host%d GET /api/%d 200", i%60, i%16, i):
		}
		if i%8 == 7 {
			time.Sleep(time.Millisecond)
		}
	}
}

func main() {
	run := harness.Start("pipeline_bounded")
	p := &Pipeline{raw: make(chan string, 8), parsed: make(chan Record, 8), enriched: make(chan Record, 8)}
	var parsers, enrichers, writers sync.WaitGroup
	for i := 0; i < 4; i++ {
		parsers.Add(1)
		go p.parse(&parsers)
		enrichers.Add(1)
		go p.enrich(&enrichers)
		writers.Add(1)
		go p.write(&writers)
	}
	stop := make(chan struct{})
	go p.produce(stop)
	for i := 0; i < 2; i++ {
		time.Sleep(120 * time.Millisecond)
		run.Snapshot()
	}
	time.Sleep(120 * time.Millisecond)
	run.Finish()
	close(stop)
	parsers.Wait()
	close(p.parsed)
	enrichers.Wait()
	close(p.enriched)
	writers.Wait()
}
