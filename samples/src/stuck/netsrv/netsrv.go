// Package netsrv is a line-oriented TCP server on 127.0.0.1 whose clients
// connect and never send, so the acceptor and every connection reader wait in
// "IO wait".
package netsrv

import (
	"bufio"
	"net"
)

// Server accepts connections and reads lines from each.
type Server struct {
	ln net.Listener
}

// Listen opens a random localhost port and starts accepting.
func Listen() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln}
	go s.acceptLoop()
	return s, nil
}

// Addr is the listening address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

func (s *Server) acceptLoop() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.serve(c)
	}
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
	}
}
