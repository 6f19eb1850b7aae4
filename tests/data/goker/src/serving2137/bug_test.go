package serving2137

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

type Prober struct {
	probe func(target string) error
}

func (p *Prober) ProbeAll(targets []string) <-chan error {
	out := make(chan error, 1)
	errs := make(chan error, len(targets))
	var wg sync.WaitGroup
	wg.Add(len(targets))
	for _, target := range targets {
		go func(target string) {
			if err := p.probe(target); err != nil {
				errs <- err
				return // BUG: wg.Done is skipped on error
			}
			wg.Done()
		}(target)
	}
	go func() {
		wg.Wait()
		close(errs)
		var first error
		for e := range errs {
			if first == nil {
				first = e
			}
		}
		out <- first
	}()
	return out
}

func TestProbeRevisions(t *testing.T) {
	p := &Prober{probe: func(target string) error {
		if strings.HasSuffix(target, "-2") {
			return errors.New("probe " + target + ": 503")
		}
		return nil
	}}
	for rev := 0; rev < 8; rev++ {
		targets := []string{}
		for pod := 0; pod < 3; pod++ {
			targets = append(targets, fmt.Sprintf("rev%d-pod-%d", rev, pod))
		}
		select {
		case err := <-p.ProbeAll(targets):
			t.Logf("rev %d: %v", rev, err)
		case <-time.After(20 * time.Millisecond):
			t.Logf("rev %d: probe timed out, retrying later", rev)
		}
	}
}
