package etcd7443

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type Lease struct {
	ID     int64
	expiry time.Time
}

type lessor struct {
	mu       sync.Mutex
	leases   map[int64]*Lease
	expiredC chan []*Lease
	demotec  chan struct{}
	stopC    chan struct{}
}

func newLessor() *lessor {
	return &lessor{
		leases:   map[int64]*Lease{},
		expiredC: make(chan []*Lease),
		demotec:  make(chan struct{}),
		stopC:    make(chan struct{}),
	}
}

func (le *lessor) Grant(id int64, ttl time.Duration) {
	le.mu.Lock()
	le.leases[id] = &Lease{ID: id, expiry: time.Now().Add(ttl)}
	le.mu.Unlock()
}

func (le *lessor) expired() []*Lease {
	le.mu.Lock()
	defer le.mu.Unlock()
	var out []*Lease
	for _, l := range le.leases {
		if time.Now().After(l.expiry) {
			out = append(out, l)
		}
	}
	return out
}

func (le *lessor) Start() { go le.runLoop() }

func (le *lessor) runLoop() {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-le.stopC:
			return
		}
		if ls := le.expired(); len(ls) > 0 {
			select { // BUG: no case <-le.stopC
			case le.expiredC <- ls:
			case <-le.demotec:
			}
		}
	}
}

func (le *lessor) Stop() { close(le.stopC) }

// revokeLoop plays the server: it proposes revocations (slowly) until stopped.
func revokeLoop(le *lessor, proposed chan<- int) {
	for {
		select {
		case <-le.stopC:
			return
		default:
		}
		select {
		case ls := <-le.expiredC:
			proposed <- len(ls)
			time.Sleep(20 * time.Millisecond) // raft proposal
		case <-le.stopC:
			return
		}
	}
}

func TestLessorStop(t *testing.T) {
	for i := 0; i < 12; i++ {
		t.Run(fmt.Sprintf("member-%d", i), func(t *testing.T) {
			le := newLessor()
			le.Grant(1, -time.Second)
			le.Grant(2, -time.Second)
			le.Start()
			proposed := make(chan int, 1)
			go revokeLoop(le, proposed)
			<-proposed
			time.Sleep(5 * time.Millisecond) // check the revocation was proposed
			le.Stop()
		})
	}
}
