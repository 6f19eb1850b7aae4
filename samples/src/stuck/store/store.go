// Package store is a key-value store whose lock is held by a writer that
// never finishes, so readers queue in "sync.Mutex.Lock" and batch callers in
// "sync.WaitGroup.Wait"; its janitors sleep in "sleep".
package store

import (
	"sync"
	"time"
)

// Store is guarded by one mutex.
type Store struct {
	mu   sync.Mutex
	data map[string]int
}

// New returns an empty store and starts its janitors.
func New(janitors int) *Store {
	s := &Store{data: map[string]int{}}
	for i := 0; i < janitors; i++ {
		go s.janitor()
	}
	return s
}

func (s *Store) janitor() {
	for {
		time.Sleep(time.Hour)
		s.mu.Lock()
		s.data = map[string]int{}
		s.mu.Unlock()
	}
}

// Compact takes the lock and waits for release before giving it back.
func (s *Store) Compact(release <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	<-release
}

// Get reads one key under the lock.
func (s *Store) Get(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[key]
}

// GetMany reads keys concurrently and waits for all of them.
func (s *Store) GetMany(keys []string) []int {
	out := make([]int, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func(i int, k string) {
			defer wg.Done()
			out[i] = s.Get(k)
		}(i, k)
	}
	wg.Wait()
	return out
}
