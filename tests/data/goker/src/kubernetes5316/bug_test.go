package kubernetes5316

import (
	"errors"
	"testing"
	"time"
)

var errTimeout = errors.New("request timed out")

// finishRequest runs fn in a goroutine and waits for it up to timeout.
// The goroutine sends on unbuffered channels; after a timeout nobody
// receives, so it blocks forever.
func finishRequest(timeout time.Duration, fn func() (string, error)) (string, error) {
	ch := make(chan string)
	errCh := make(chan error)
	go func() {
		res, err := fn()
		if err != nil {
			errCh <- err // BUG
			return
		}
		ch <- res // BUG
	}()
	select {
	case r := <-ch:
		return r, nil
	case err := <-errCh:
		return "", err
	case <-time.After(timeout):
		return "", errTimeout
	}
}

func TestSlowStorageTimesOut(t *testing.T) {
	for i := 0; i < 25; i++ {
		i := i
		_, err := finishRequest(time.Millisecond, func() (string, error) {
			time.Sleep(5 * time.Millisecond)
			if i%5 == 0 {
				return "", errors.New("etcd: key not found")
			}
			return "pod-ok", nil
		})
		if err != errTimeout {
			t.Fatalf("want timeout, got %v", err)
		}
	}
}
