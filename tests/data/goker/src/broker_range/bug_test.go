package broker_range

import (
	"sync"
	"testing"
)

type Event struct {
	Topic string
	Seq   int
}

type Broker struct {
	mu   sync.Mutex
	subs map[int]chan Event
	next int
}

func NewBroker() *Broker { return &Broker{subs: map[int]chan Event{}} }

func (b *Broker) Subscribe(handler func(Event)) (cancel func()) {
	ch := make(chan Event, 4)
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = ch
	b.mu.Unlock()
	go func() {
		for ev := range ch { // never ends: ch is never closed
			handler(ev)
		}
	}()
	return func() {
		b.mu.Lock()
		delete(b.subs, id) // BUG: forgets close(ch)
		b.mu.Unlock()
	}
}

func (b *Broker) Publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs {
		ch <- ev
	}
}

func TestSubscribeUnsubscribe(t *testing.T) {
	b := NewBroker()
	var mu sync.Mutex
	seen := 0
	var cancels []func()
	for i := 0; i < 50; i++ {
		cancels = append(cancels, b.Subscribe(func(Event) { mu.Lock(); seen++; mu.Unlock() }))
	}
	for s := 0; s < 3; s++ {
		b.Publish(Event{Topic: "orders", Seq: s})
	}
	for _, c := range cancels {
		c()
	}
}
