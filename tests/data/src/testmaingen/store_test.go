// Package testmaingen makes the dumps a test binary takes of itself
// (tests/data/dumps/testmain_*): the README's go test recipe, a dump in TestMain once
// m.Run has returned, in each form (DEBUG=2, 1, 0), and one taken during a test:
//
//	DUMP=testmain_after_run.go1.27.txt DEBUG=2 go test -count=1 .
//	DUMP=testmain_after_run.go1.27.debug1.txt DEBUG=1 go test -count=1 .
//	DUMP=testmain_after_run.go1.27.pb.gz DEBUG=0 go test -count=1 .
//	DUMP=testmain_during_test.go1.27.txt DEBUG=2 DURING=1 go test -count=1 .
package testmaingen

import (
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"
)

// ticks is a package daemon started by init: it lives as long as the process.
var ticks = make(chan struct{})

func init() {
	go func() {
		for range ticks {
		}
	}()
}

func dump() {
	f, err := os.Create(os.Getenv("DUMP"))
	if err != nil {
		panic(err)
	}
	debug, _ := strconv.Atoi(os.Getenv("DEBUG"))
	pprof.Lookup("goroutine").WriteTo(f, debug)
	f.Close()
}

func TestMain(m *testing.M) {
	fixture := make(chan string) // a fixture every test may use, stopped after the dump
	go func() {
		for range fixture {
		}
	}()
	code := m.Run()
	if os.Getenv("DURING") == "" {
		time.Sleep(50 * time.Millisecond)
		dump()
	}
	close(fixture)
	os.Exit(code)
}

type store struct{ mu sync.Mutex }

// get answers on ch while holding the lock; a caller that gave up leaves it blocked.
func (s *store) get(ch chan int) {
	s.mu.Lock()
	ch <- 1
	s.mu.Unlock()
}

func TestGiveUp(t *testing.T) {
	s := &store{}
	ch := make(chan int)
	go s.get(ch)
	go s.get(ch)
	select {
	case <-ch:
	case <-time.After(10 * time.Millisecond):
	}
	if os.Getenv("DURING") != "" {
		time.Sleep(50 * time.Millisecond)
		dump()
	}
}
