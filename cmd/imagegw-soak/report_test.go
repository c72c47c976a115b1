package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func passingReport() report {
	var rss []rssSample
	for i := 0; i <= 30; i++ {
		rss = append(rss, rssSample{at: time.Duration(i) * time.Second, kb: 30 * 1024})
	}
	return report{
		started: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), target: "http://127.0.0.1:1", pid: 42,
		cloudDir: "/tmp/c", duration: 30 * time.Second, elapsed: 30 * time.Second, interval: 10 * time.Second,
		rate: 50, workers: 32, seed: 1, ownImages: []string{"a", "b"}, seededCount: 25,
		scheduled: 1500, sent: 1500, growthMiB: 10, growthPct: 20, rss: rss,
		rows: []intervalRow{{end: 10 * time.Second, done: 500, rate: 50, p50: 2500 * time.Microsecond, p99: 40 * time.Millisecond, inflight: 3, rssKB: 30 * 1024}},
		ops: map[string]*opStats{
			"show": {count: 3, statuses: map[int]int{200: 2, 404: 1}, lat: []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond}},
			"list": {count: 1, statuses: map[int]int{200: 1}, lat: []time.Duration{5 * time.Millisecond}},
		},
		errCount: map[string]int{},
	}
}

// failingReport is passingReport with one 500 on show.
func failingReport() report {
	r := passingReport()
	r.ops["show"].errors = 1
	r.ops["show"].statuses = map[int]int{200: 2, 500: 1}
	r.errCount = map[string]int{"show → 500 (5xx)": 1}
	r.errs = []errSample{{at: 12 * time.Second, op: "show", user: "alt", kind: "5xx", method: "GET", path: "/v2.1/images/x",
		header: map[string]string{"X-OpenStack-Nova-API-Version": "2.35"}, status: 500, expect: []int{404},
		resBody: `{"computeFault": {"code": 500}}`, reqID: "req-1", latency: 7 * time.Millisecond}}
	r.warmup = []string{"demo: 200 in 3.0 ms"}
	r.info = []string{"client: go"}
	return r
}

func TestFormatReport(t *testing.T) {
	tests := []struct {
		name     string
		r        report
		pass     bool
		contains []string
		absent   []string
		suffix   string
	}{
		{"pass", passingReport(), true, []string{
			"## Every 10s",
			"|  10.0 |    500 |   50.0 |      0 |      2.5 |     40.0 |         3 |    30.0 |",
			"| show | 20 | 3 | 0 | 2.0 | 3.0 | 200×2 404×1 |",
			"| **all** | 100 | 4 | 0 | 2.0 | 5.0 | | |",
			"first third mean 30.0 MiB, last third mean 30.0 MiB, growth +0.0 MiB (+0.0 %)",
		}, []string{"## Errors", "## Warm-up", "## Notes"},
			"**VERDICT: PASS** — 4 requests, 0 errors, RSS growth +0.0 MiB (+0.0 %) < 10.0 MiB allowed\n"},
		{"one error: listed with its request and response", failingReport(), false, []string{
			"- show → 500 (5xx): 1",
			"- t=12.0s show as alt: `GET /v2.1/images/x` [X-OpenStack-Nova-API-Version: 2.35]\n  → 500 (expected [404]) after 7.0 ms, 5xx, request id req-1\n  response: `{\"computeFault\": {\"code\": 500}}`",
			"## Warm-up (not counted)",
			"- demo: 200 in 3.0 ms\n",
			"## Notes\n\n- client: go\n",
		}, nil, "**VERDICT: FAIL** — 4 requests, 1 errors\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, pass := formatReport(tc.r)
			require.Equal(t, tc.pass, pass, text)
			for _, s := range tc.contains {
				require.Contains(t, text, s)
			}
			for _, s := range tc.absent {
				require.NotContains(t, text, s)
			}
			require.True(t, strings.HasSuffix(text, tc.suffix), text)
			// list before show (mix order)
			require.Less(t, strings.Index(text, "| list |"), strings.Index(text, "| show |"))
		})
	}
}
