package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rssRun is 91 samples over 90 s: 20 MiB, then 24 MiB from t=60s.
func rssRun() []rssSample {
	var s []rssSample
	for i := 0; i <= 90; i++ {
		kb := int64(20 * 1024)
		if i >= 60 {
			kb = 24 * 1024
		}
		s = append(s, rssSample{at: time.Duration(i) * time.Second, kb: kb})
	}
	return s
}

func TestRSSThirds(t *testing.T) {
	total := 90 * time.Second
	first, last, ok := rssThirds(rssRun(), total)
	require.True(t, ok)
	require.InDelta(t, 20*1024, first, 0.001)
	require.InDelta(t, 24*1024, last, 0.001)

	_, _, ok = rssThirds(rssRun()[:10], total) // nothing in the last third
	require.False(t, ok)
}

func TestVerdict(t *testing.T) {
	const first, last = 20 * 1024, 24 * 1024
	tests := []struct {
		name                 string
		errors               int
		first, last          float64
		rssOK                bool
		growthMiB, growthPct float64
		notes                []string
		pass                 bool
		why                  string // a part of the reason; "=" prefix: all of it
	}{
		{"+4 MiB on 20 MiB is 20 %, but under the 10 MiB floor", 0, first, last, true, 10, 20, nil,
			true, "RSS growth +4.0 MiB (+20.0 %)"},
		{"the floor does not apply when set lower", 0, first, last, true, 1, 20, nil,
			false, "RSS grew 4.0 MiB (allowed < 4.0 MiB)"},
		{"large process: 20 % allows more than 10 MiB", 0, 200 * 1024, 230 * 1024, true, 10, 20, nil, true, ""},
		{"large process over 20 %", 0, 200 * 1024, 241 * 1024, true, 10, 20, nil, false, ""},
		{"errors", 3, first, first, true, 10, 20, nil, false, "=3 errors"},
		{"notes fail the run", 0, first, first, true, 10, 20, []string{"interrupted"}, false, "=interrupted"},
		{"too few samples", 0, 0, 0, false, 10, 20, nil, false, "not enough RSS samples"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pass, why := verdict(tc.errors, tc.first, tc.last, tc.rssOK, tc.growthMiB, tc.growthPct, tc.notes)
			require.Equal(t, tc.pass, pass, why)
			if whole, ok := cutEq(tc.why); ok {
				require.Equal(t, whole, why)
			} else {
				require.Contains(t, why, tc.why)
			}
		})
	}
}

func cutEq(s string) (string, bool) {
	if len(s) > 0 && s[0] == '=' {
		return s[1:], true
	}
	return s, false
}
