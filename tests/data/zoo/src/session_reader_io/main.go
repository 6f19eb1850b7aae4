// Command session_reader_io: a line-protocol server gives each connection a
// session goroutine that reads requests with no read deadline. Its clients
// (a pool that forgets connections on a failed request) never close them,
// so one session per forgotten connection waits forever in "IO wait" in the
// server's own read loop. The accept loop (also "IO wait") is healthy.
//
// Classic pattern (a read with no deadline on a connection the peer
// abandoned).
package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type Server struct {
	ln       net.Listener
	mu       sync.Mutex
	sessions int
}

type session struct {
	srv  *Server
	conn net.Conn
}

func (s *session) readLoop() {
	defer s.conn.Close()
	r := bufio.NewReader(s.conn)
	for {
		line, err := r.ReadString('\n') // BUG: no deadline
		if err != nil {
			return
		}
		fmt.Fprintf(s.conn, "OK %s\n", strings.ToUpper(strings.TrimSpace(line)))
	}
}

func (srv *Server) acceptLoop() {
	for {
		c, err := srv.ln.Accept()
		if err != nil {
			return
		}
		srv.mu.Lock()
		srv.sessions++
		srv.mu.Unlock()
		go (&session{srv: srv, conn: c}).readLoop()
	}
}

// client sends one request; a reply it does not like makes it drop the
// connection on the floor instead of closing it.
type client struct {
	addr   string
	leaked []net.Conn
}

func (c *client) call(req string) {
	conn, err := net.Dial("tcp", c.addr)
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(conn, "%s\n", req)
	reply, _ := bufio.NewReader(conn).ReadString('\n')
	if strings.Contains(reply, "ERR") || strings.HasPrefix(req, "stat") {
		c.leaked = append(c.leaked, conn) // BUG: kept, never closed
		return
	}
	conn.Close()
}

// pool is the process-wide client. (Were it garbage, the finalizers of its
// forgotten connections would close them and end the sessions.)
var pool *client

func main() {
	run := harness.Start("session_reader_io")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &Server{ln: ln}
	go srv.acceptLoop()
	pool = &client{addr: ln.Addr().String()}
	c := pool
	n := 0
	for wave := 1; wave <= 3; wave++ {
		time.Sleep(100 * time.Millisecond) // time passes between waves of traffic
		for i := 0; i < 15; i++ {
			req := "get"
			if n%3 == 2 {
				req = "stat"
			}
			c.call(fmt.Sprintf("%s key%d", req, n))
			n++
		}
		run.Await(5*wave, "IO wait", "main.(*session).readLoop")
		if wave < 3 {
			run.Snapshot()
		}
	}
	run.Finish()
}
