package queue

import (
	"testing"
	"time"
)

// TestFlushWaitSpread: async-ack flush waits stay within [d/2, 3d/2) and do
// not all fall on one value, so a kill's loss window moves from run to run.
func TestFlushWaitSpread(t *testing.T) {
	d := time.Second
	seen := map[time.Duration]bool{}
	for range 1000 {
		w := flushWait(d)
		if w < d/2 || w >= 3*d/2 {
			t.Fatalf("flushWait(%s) = %s, want within [%s, %s)", d, w, d/2, 3*d/2)
		}
		seen[w/(d/10)] = true
	}
	if len(seen) < 8 {
		t.Fatalf("flushWait(%s) fell in only %d of 10 tenths of its range", d, len(seen))
	}
}
