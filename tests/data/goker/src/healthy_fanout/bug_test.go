package healthy_fanout

import (
	"testing"
	"time"
)

type Aggregator struct {
	n    int
	sum  int
	done chan struct{}
}

func (a *Aggregator) Run() {
	defer close(a.done)
	out := make(chan int)
	for i := 0; i < a.n; i++ {
		go func(i int) {
			out <- i * i // collector receives slowly
		}(i)
	}
	for i := 0; i < a.n; i++ {
		a.sum += <-out
		time.Sleep(100 * time.Millisecond) // slow sink (writes to disk)
	}
}

func TestAggregate(t *testing.T) {
	a := &Aggregator{n: 30, done: make(chan struct{})}
	go a.Run()
	afterDump = append(afterDump, func() { <-a.done })
}
