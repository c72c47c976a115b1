package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentileNearestRank(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one, p0", []time.Duration{7}, 0, 7},
		{"one, p99", []time.Duration{7}, 99, 7},
		{"100, p0", hundred, 0, 1 * time.Millisecond},
		{"100, p1", hundred, 1, 1 * time.Millisecond},
		{"100, p50", hundred, 50, 50 * time.Millisecond},
		{"100, p99", hundred, 99, 99 * time.Millisecond},
		{"100, p99.5", hundred, 99.5, 100 * time.Millisecond},
		{"100, p100", hundred, 100, 100 * time.Millisecond},
		// 10 samples: p50 is the 5th, p99 the 10th (ceil(9.9))
		{"10, p50", hundred[:10], 50, 5 * time.Millisecond},
		{"10, p99", hundred[:10], 99, 10 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, percentile(tc.sorted, tc.p))
		})
	}
}

func TestCollectorRows(t *testing.T) {
	c := newCollector()
	req := &request{user: "demo", method: "GET", path: "/v2.1/images", expect: []int{200}}
	for i := 1; i <= 10; i++ {
		r := result{op: "list", at: time.Duration(i) * time.Second, latency: time.Duration(i) * time.Millisecond, status: 200, req: req}
		if i == 10 {
			r.status, r.errKind, r.respBody = 500, "5xx", []byte(`{"computeFault": {}}`)
		}
		c.add(r)
	}
	row := c.row(10*time.Second, 2048, 12)
	require.Equal(t, intervalRow{end: 10 * time.Second, done: 10, errors: 1, p50: 5 * time.Millisecond, p99: 10 * time.Millisecond,
		rate: 1, inflight: 2, rssKB: 2048}, row)
	require.Len(t, c.errs, 1)
	require.Equal(t, `{"computeFault": {}}`, c.errs[0].resBody)
	require.Nil(t, c.results[9].respBody, "bodies are only kept for errors")
	require.False(t, c.pending())

	// a tail shorter than a second has no rate
	c.add(result{op: "list", latency: time.Millisecond, status: 200, req: req})
	require.True(t, c.pending())
	tail := c.row(10*time.Second+300*time.Millisecond, 2048, 11)
	require.Equal(t, 1, tail.done)
	require.Equal(t, -1.0, tail.rate)
	require.Contains(t, formatRow(tail), "|  10.3 |      1 |      – |")
	require.Equal(t, 11, c.ops["list"].count)
	require.Equal(t, 1, c.ops["list"].errors)
	require.Equal(t, map[string]int{"list → 500 (5xx)": 1}, c.errCount)
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc… (4 bytes)"},
		{"", 0, ""},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, truncate(tc.in, tc.n))
	}
}
