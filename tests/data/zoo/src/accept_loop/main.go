// Command accept_loop (healthy): a TCP echo server with one accept loop
// ("IO wait" in Accept) and a goroutine per connection. Clients connect,
// exchange a few lines and close; each handler sees EOF and exits. Between
// dumps only the accept loop (and the odd in-flight handler) remains.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type EchoServer struct {
	ln    net.Listener
	mu    sync.Mutex
	conns int
}

func (s *EchoServer) acceptLoop() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		go s.handle(c)
	}
}

func (s *EchoServer) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		io.WriteString(c, strings.ToUpper(line))
	}
}

func session(addr string, n int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for i := 0; i < n; i++ {
		fmt.Fprintf(c, "hello %d\n", i)
		if _, err := r.ReadString('\n'); err != nil {
			panic(err)
		}
	}
}

func main() {
	run := harness.Start("accept_loop")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &EchoServer{ln: ln}
	go s.acceptLoop()
	for round := 1; round <= 3; round++ {
		var wg sync.WaitGroup
		for k := 0; k < 10; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				session(ln.Addr().String(), 5)
			}()
		}
		wg.Wait()
		time.Sleep(100 * time.Millisecond)
		if round < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
	ln.Close()
}
