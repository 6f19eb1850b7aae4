// Command lock_and_chan: a status manager publishes updates on an unbuffered
// channel while holding its mutex; the syncer goroutine that drains the
// channel takes the same mutex to record each synced update. When a second
// update is published while the syncer is busy with the first, the
// publisher waits in "chan send" holding the lock and the syncer waits in
// "sync.Mutex.Lock"; every later pod update piles up in "sync.Mutex.Lock".
//
// Inspired by kubernetes#10182-style bugs in GoBench (a channel operation
// under a lock that the other side needs).
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/zoo/internal/harness"
)

type PodStatus struct {
	Pod   string
	Phase string
}

type StatusManager struct {
	mu       sync.Mutex
	statuses map[string]PodStatus
	updates  chan PodStatus
	synced   int
}

func (m *StatusManager) SetStatus(s PodStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.statuses[s.Pod] = s
	m.updates <- s // BUG: blocking send while holding m.mu
}

func (m *StatusManager) syncLoop() {
	for s := range m.updates {
		time.Sleep(100 * time.Millisecond) // the API call
		m.mu.Lock()
		m.synced++
		m.statuses[s.Pod] = PodStatus{Pod: s.Pod, Phase: s.Phase + " (synced)"}
		m.mu.Unlock()
	}
}

type Kubelet struct {
	sm *StatusManager
}

func (k *Kubelet) syncPod(pod string, phase string, wg *sync.WaitGroup) {
	defer wg.Done()
	k.sm.SetStatus(PodStatus{Pod: pod, Phase: phase})
}

func main() {
	run := harness.Start("lock_and_chan")
	sm := &StatusManager{statuses: map[string]PodStatus{}, updates: make(chan PodStatus)}
	go sm.syncLoop()
	k := &Kubelet{sm: sm}
	var wg sync.WaitGroup
	// Two pods at once: the syncer takes the first update and makes its API
	// call; meanwhile the second publisher takes the lock and waits to send,
	// and the syncer, back from the call, waits for the lock.
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go k.syncPod(fmt.Sprintf("web-%d", i), "Running", &wg)
	}
	run.Await(1, "chan send", "main.(*StatusManager).SetStatus")
	run.Await(1, "sync.Mutex.Lock", "main.(*StatusManager).syncLoop")
	run.Snapshot()
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go k.syncPod(fmt.Sprintf("batch-%d", i), "Pending", &wg)
		if i == 11 {
			run.Await(12, "sync.Mutex.Lock", "main.(*StatusManager).SetStatus")
			run.Snapshot()
		}
	}
	run.Await(24, "sync.Mutex.Lock", "main.(*StatusManager).SetStatus")
	run.Finish()
}
