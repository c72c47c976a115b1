package main

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGCPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live, headroom uint64
		want           int
	}{
		{0, 32 * mib, maxGCPercent},
		{1 * mib, 32 * mib, 2000},  // capped
		{4 * mib, 32 * mib, 800},   // a hit workload: next GC at 36 MiB
		{16 * mib, 32 * mib, 200},  // 100k entries sharing bodies
		{32 * mib, 32 * mib, 100},  // Go's default from here on
		{200 * mib, 32 * mib, 100}, // never below it
		{8 * mib, 0, 100},          // no headroom asked
		{3 * mib, 10 * mib, 333},
	} {
		require.Equal(t, tc.want, GCPercentFor(tc.live, tc.headroom), "live %d headroom %d", tc.live, tc.headroom)
	}
}

// The tuner retunes after collections and stops cleanly.
func TestGCTunerFollowsTheLiveHeap(t *testing.T) {
	tu := StartGCTuner(64 << 20)
	defer tu.Stop()
	small := tu.Percent()
	require.Greater(t, small, 100, "a test binary's small heap gets a larger GOGC")
	hold := make([][]byte, 0, 256)
	for i := 0; i < 256; i++ { // 128 MiB live, pointer-free
		hold = append(hold, make([]byte, 512<<10))
	}
	require.Eventually(t, func() bool {
		runtime.GC()
		return tu.Percent() == 100
	}, 5*time.Second, 10*time.Millisecond, "a live heap over the headroom gets Go's default")
	runtime.KeepAlive(hold)
	hold = nil
	require.Eventually(t, func() bool {
		runtime.GC()
		return tu.Percent() > 100
	}, 5*time.Second, 10*time.Millisecond, "and back when the heap shrinks")
	tu.Stop()
	runtime.GC()
	runtime.GC()
}
