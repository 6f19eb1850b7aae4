// Command signal_loop (healthy): a daemon reloads its configuration on
// SIGHUP. One goroutine waits on the signal channel ("chan receive") for the
// life of the process; the runtime's os/signal loop goroutine sits next to
// it. The program sends itself three SIGHUPs during the run; each reload is
// handled and the loop goes back to waiting.
package main

import (
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"example.com/zoo/internal/harness"
)

type Config struct {
	mu      sync.RWMutex
	version int
}

func (c *Config) reload() {
	c.mu.Lock()
	c.version++
	c.mu.Unlock()
}

type Daemon struct {
	cfg     *Config
	reloads atomic.Int32
}

func (d *Daemon) handleSignals(ch <-chan os.Signal) {
	for sig := range ch {
		if sig == syscall.SIGHUP {
			d.cfg.reload()
			d.reloads.Add(1)
		}
	}
}

func main() {
	run := harness.Start("signal_loop")
	d := &Daemon{cfg: &Config{}}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	go d.handleSignals(ch)
	for i := 1; i <= 3; i++ {
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			panic(err)
		}
		for d.reloads.Load() < int32(i) {
			time.Sleep(time.Millisecond)
		}
		run.Await(1, "chan receive", "main.(*Daemon).handleSignals")
		time.Sleep(100 * time.Millisecond)
		if i < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
	signal.Stop(ch)
}
