package emulator

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestThrottleClockOutOfOrder: requests read the clock before they take the
// lock, so the bucket sees times out of order. An older time must not rewind
// the bucket's clock, or the same interval is refilled twice and more requests
// pass than ARM allows.
func TestThrottleClockOutOfOrder(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name  string
		times []time.Duration // offsets from t0, in arrival order at the lock
	}{
		{"in order", []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second}},
		{"every other late", []time.Duration{0, time.Second, 500 * time.Millisecond, 2 * time.Second, 1500 * time.Millisecond, 3 * time.Second}},
		{"late by seconds", []time.Duration{3 * time.Second, 0, 3 * time.Second, 1 * time.Second, 3 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := newThrottle(ThrottleOptions{Reads: BucketLimit{Capacity: 100, RefillPerSecond: 10}})
			// Empty the bucket at t0.
			for range 100 {
				require.Zero(t, th.take("s", "p", OpReads, t0).retryAfter)
			}
			served := 0
			var latest time.Duration
			for _, d := range tt.times {
				latest = max(latest, d)
				for th.take("s", "p", OpReads, t0.Add(d)).retryAfter == 0 {
					served++
				}
			}
			// Whatever the order, no more than capacity refilled per elapsed time.
			assert.LessOrEqual(t, served, int(latest.Seconds()*10), "served more than the refill allows")
		})
	}
}
