package etcd5509

import (
	"sync"
	"testing"
	"time"
)

type kvStore struct {
	mu  sync.RWMutex
	rev int64
	kvs map[string]string
}

func (s *kvStore) currentRev() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rev
}

// Range holds the read lock and then calls currentRev, which read-locks
// again. If a writer queued in between, the second RLock waits for the
// writer, and the writer waits for the first RLock.
func (s *kvStore) Range(key string, started chan<- struct{}) (string, int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v := s.kvs[key]
	close(started)
	time.Sleep(20 * time.Millisecond) // long range scan
	return v, s.currentRev()          // BUG: recursive RLock
}

func (s *kvStore) Put(k, v string) {
	s.mu.Lock()
	s.kvs[k] = v
	s.rev++
	s.mu.Unlock()
}

func TestRangeDuringPut(t *testing.T) {
	runBug(func() {
		s := &kvStore{kvs: map[string]string{"a": "1"}}
		started := make(chan struct{})
		put := s.Put
		go func() {
			<-started
			put("a", "2")
		}()
		s.Range("a", started)
	})
}
