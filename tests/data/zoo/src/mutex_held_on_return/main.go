// Command mutex_held_on_return: a session store's Save returns early on a
// validation error without unlocking its mutex. The goroutine that returned
// is gone; every later Save and Load piles up in "sync.Mutex.Lock" with
// nobody holding the lock but a goroutine that no longer exists.
//
// Classic pattern (a missing Unlock on an error path), as in GoBench's
// moby and kubernetes "missing unlock" bugs.
package main

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"example.com/zoo/internal/harness"
)

type Store struct {
	mu       sync.Mutex
	sessions map[string]string
}

var errInvalid = errors.New("session: invalid id")

func (s *Store) Save(id, data string) error {
	s.mu.Lock()
	if strings.ContainsAny(id, " /") {
		return errInvalid // BUG: s.mu stays locked
	}
	s.sessions[id] = data
	s.mu.Unlock()
	return nil
}

func (s *Store) Load(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.sessions[id]
	return d, ok
}

type API struct {
	store *Store
	wg    sync.WaitGroup
}

func (a *API) handleLogin(user string) {
	defer a.wg.Done()
	_ = a.store.Save("sess-"+user, "user="+user)
}

func (a *API) handleMe(user string) {
	defer a.wg.Done()
	_, _ = a.store.Load("sess-" + user)
}

func main() {
	run := harness.Start("mutex_held_on_return")
	a := &API{store: &Store{sessions: map[string]string{}}}
	for i := 0; i < 40; i++ {
		a.wg.Add(2)
		go a.handleLogin(fmt.Sprintf("user%d", i))
		go a.handleMe(fmt.Sprintf("user%d", i))
	}
	a.wg.Wait()
	run.Snapshot()
	a.wg.Add(1)
	a.handleLogin("bad user") // the early return
	for i := 0; i < 30; i++ {
		a.wg.Add(1)
		go a.handleLogin(fmt.Sprintf("user%d", i))
	}
	run.Await(30, "sync.Mutex.Lock", "main.(*Store).Save")
	run.Snapshot()
	for i := 0; i < 30; i++ {
		a.wg.Add(1)
		go a.handleMe(fmt.Sprintf("user%d", i))
	}
	run.Await(30, "sync.Mutex.Lock", "main.(*Store).Load")
	run.Finish()
}
