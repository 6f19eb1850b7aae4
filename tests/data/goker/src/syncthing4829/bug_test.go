package syncthing4829

import (
	"sync"
	"testing"
	"time"
)

type Mapping struct {
	mu           sync.Mutex
	extAddresses map[string]string
	expires      time.Time
}

func (m *Mapping) removeAddress(id string) {
	m.mu.Lock() // BUG: already held by clearAddresses
	delete(m.extAddresses, id)
	m.mu.Unlock()
}

func (m *Mapping) clearAddresses() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id := range m.extAddresses {
		m.removeAddress(id)
	}
}

func (m *Mapping) ExternalAddresses() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.extAddresses))
	for _, a := range m.extAddresses {
		out = append(out, a)
	}
	return out
}

type Service struct{ mappings []*Mapping }

func (s *Service) process() {
	for _, m := range s.mappings {
		if time.Now().After(m.expires) {
			m.clearAddresses()
		}
	}
}

func statusLoop(m *Mapping, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(2 * time.Millisecond):
			_ = m.ExternalAddresses()
		}
	}
}

func TestExpiredMappingRenewal(t *testing.T) {
	runBug(func() {
		m := &Mapping{extAddresses: map[string]string{"upnp-1": "1.2.3.4:22000"}, expires: time.Now().Add(-time.Second)}
		s := &Service{mappings: []*Mapping{m}}
		go statusLoop(m, make(chan struct{}))
		time.Sleep(3 * time.Millisecond)
		renew := s.process
		renew()
	})
}
