// Command nil_chan_send: a dispatcher hands each job to a worker that reports
// its result on the results channel of the job's subscriber. Jobs submitted
// before anyone subscribed carry a nil results channel, so their workers
// block forever in "chan send (nil chan)".
//
// Classic pattern (a send on a channel that was never made).
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Result struct {
	Job string
	OK  bool
}

type worker struct {
	job     string
	results chan<- Result
}

func (w *worker) run() {
	r := Result{Job: w.job, OK: len(w.job)%2 == 0}
	w.report(r)
}

func (w *worker) report(r Result) {
	w.results <- r
}

type Dispatcher struct {
	mu   sync.Mutex
	subs map[string]chan Result
}

func (d *Dispatcher) Subscribe(topic string) <-chan Result {
	d.mu.Lock()
	defer d.mu.Unlock()
	ch := make(chan Result, 64)
	d.subs[topic] = ch
	return ch
}

func (d *Dispatcher) spawn(topic, job string) {
	d.mu.Lock()
	ch := d.subs[topic] // BUG: nil when nobody subscribed yet
	d.mu.Unlock()
	w := &worker{job: job, results: ch}
	go w.run()
}

func main() {
	run := harness.Start("nil_chan_send")
	d := &Dispatcher{subs: map[string]chan Result{}}
	// 9 jobs for "thumbnails" arrive before its subscriber does.
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 3; i++ {
			d.spawn("thumbnails", fmt.Sprintf("thumb-%d-%d", wave, i))
		}
		run.Await(3*wave, "chan send (nil chan)", "main.(*worker).report")
		if wave < 3 {
			run.Snapshot()
		}
	}
	sub := d.Subscribe("thumbnails")
	for i := 0; i < 20; i++ {
		d.spawn("thumbnails", fmt.Sprintf("thumb-late-%d", i))
	}
	for i := 0; i < 20; i++ {
		<-sub
	}
	run.Finish()
}
