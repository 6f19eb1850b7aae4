// Package pubsub has subscribers that wait in "select" on a topic and a
// cancellation channel; nothing is ever published.
package pubsub

// Topic fans messages out to its subscribers.
type Topic struct {
	msgs chan string
	done chan struct{}
}

// NewTopic returns a topic with no subscribers.
func NewTopic() *Topic {
	return &Topic{msgs: make(chan string), done: make(chan struct{})}
}

// Subscribe starts one goroutine that delivers messages to fn.
func (t *Topic) Subscribe(fn func(string)) {
	go t.deliver(fn)
}

func (t *Topic) deliver(fn func(string)) {
	for {
		select {
		case m := <-t.msgs:
			fn(m)
		case <-t.done:
			return
		}
	}
}
