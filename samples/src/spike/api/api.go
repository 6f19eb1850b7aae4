// Package api handles requests: reads are served from memory and warm the
// cache in the background; "watch" requests subscribe to live updates.
package api

import (
	"strconv"
	"time"

	"example.com/samples/spike/subscription"
)

// Request is one client call.
type Request struct {
	Kind  string // "get" or "watch"
	Topic string
}

// Server holds the state handlers share.
type Server struct {
	Hub   *subscription.Hub
	store map[string]string
}

// NewServer returns a server with a small in-memory store.
func NewServer() *Server {
	s := &Server{Hub: subscription.NewHub(), store: map[string]string{}}
	for i := 0; i < 64; i++ {
		s.store["item"+strconv.Itoa(i)] = strconv.Itoa(i * i)
	}
	return s
}

// Handle serves one request and returns the response body.
func (s *Server) Handle(r Request) string {
	switch r.Kind {
	case "watch":
		s.Hub.Subscribe(r.Topic, func(subscription.Update) {})
		return "subscribed"
	default:
		v := s.store[r.Topic]
		go s.prefetch(r.Topic)
		return v
	}
}

// prefetch models a short background refresh: it ends after a millisecond.
func (s *Server) prefetch(key string) {
	time.Sleep(time.Millisecond)
	_ = len(key)
}
