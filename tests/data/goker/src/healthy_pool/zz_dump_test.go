package healthy_pool

// Extra capture (kind "intest"): a debug=2 dump taken from inside a last
// test, while the test binary is still running tests (like a dump of a live
// process), to see how much the "after m.Run" signal carries.

import (
	"os"
	"testing"
	"time"
)

func TestZZZDump(t *testing.T) {
	if p := os.Getenv("HOLDOUT_INTEST"); p != "" {
		time.Sleep(200 * time.Millisecond)
		writeProfile("goroutine", p, 2)
	}
}
