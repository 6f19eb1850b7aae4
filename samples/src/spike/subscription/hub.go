// Package subscription keeps one watcher goroutine per subscriber. A watcher
// exits only when the hub closes or its subscriber cancels, and the API never
// cancels: every Subscribe leaves a goroutine parked in "select".
package subscription

import "sync"

// Update is a change pushed to subscribers.
type Update struct {
	Topic string
	Value int
}

// Hub tracks subscribers per topic.
type Hub struct {
	mu     sync.Mutex
	subs   map[string][]*Sub
	closed chan struct{}
}

// Sub is one subscriber's delivery channel.
type Sub struct {
	topic   string
	updates chan Update
	cancel  chan struct{}
	deliver func(Update)
}

// NewHub returns an open hub.
func NewHub() *Hub {
	return &Hub{subs: map[string][]*Sub{}, closed: make(chan struct{})}
}

// Subscribe registers deliver for topic and starts its watcher.
func (h *Hub) Subscribe(topic string, deliver func(Update)) *Sub {
	s := &Sub{topic: topic, updates: make(chan Update, 1), cancel: make(chan struct{}), deliver: deliver}
	h.mu.Lock()
	h.subs[topic] = append(h.subs[topic], s)
	h.mu.Unlock()
	go h.watch(s)
	return s
}

func (h *Hub) watch(s *Sub) {
	for {
		select {
		case u := <-s.updates:
			s.deliver(u)
		case <-s.cancel:
			return
		case <-h.closed:
			return
		}
	}
}

// Len is the number of subscribers of topic.
func (h *Hub) Len(topic string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[topic])
}
