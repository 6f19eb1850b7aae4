package healthy_accept

import (
	"bufio"
	"net"
	"strings"
	"testing"
)

type Server struct {
	ln net.Listener
}

func (s *Server) Serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.handle(c)
	}
}

func (s *Server) handle(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		c.Write([]byte(strings.ToUpper(line)))
	}
}

func TestEcho(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{ln: ln}
	go srv.Serve()
	var conns []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("hello\n"))
		got, _ := bufio.NewReader(c).ReadString('\n')
		if got != "HELLO\n" {
			t.Fatal(got)
		}
		conns = append(conns, c) // keep-alive client connections
	}
	afterDump = append(afterDump, func() {
		for _, c := range conns {
			c.Close()
		}
		ln.Close()
	})
}
