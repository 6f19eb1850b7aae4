package kubernetes10182

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type podStatus struct {
	pod   string
	phase string
}

type statusManager struct {
	mu               sync.Mutex
	statuses         map[string]podStatus
	podStatusChannel chan podStatus
}

func newStatusManager() *statusManager {
	return &statusManager{statuses: map[string]podStatus{}, podStatusChannel: make(chan podStatus)}
}

func (m *statusManager) Start() { go m.syncBatch() }

func (m *statusManager) SetPodStatus(pod, phase string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := podStatus{pod, phase}
	m.statuses[pod] = s
	m.podStatusChannel <- s // BUG: sends while holding mu
}

func (m *statusManager) syncBatch() {
	for {
		s := <-m.podStatusChannel
		time.Sleep(time.Millisecond) // talk to the apiserver
		m.mu.Lock()
		_ = m.statuses[s.pod]
		m.mu.Unlock()
	}
}

func TestConcurrentStatusUpdates(t *testing.T) {
	runBug(func() {
		m := newStatusManager()
		m.Start()
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				m.SetPodStatus(fmt.Sprintf("pod-%d", i), "Running")
			}(i)
		}
		wg.Wait()
	})
}
