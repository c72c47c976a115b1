package main

import (
	"io"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentileNearestRank(t *testing.T) {
	assert.Equal(t, time.Duration(0), percentile(nil, 50))
	one := []time.Duration{7}
	assert.Equal(t, time.Duration(7), percentile(one, 0))
	assert.Equal(t, time.Duration(7), percentile(one, 99))

	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 1*time.Millisecond, percentile(d, 0))
	assert.Equal(t, 1*time.Millisecond, percentile(d, 1))
	assert.Equal(t, 50*time.Millisecond, percentile(d, 50))
	assert.Equal(t, 99*time.Millisecond, percentile(d, 99))
	assert.Equal(t, 100*time.Millisecond, percentile(d, 99.5))
	assert.Equal(t, 100*time.Millisecond, percentile(d, 100))

	// 10 samples: p50 is the 5th, p99 the 10th (ceil(9.9))
	ten := d[:10]
	assert.Equal(t, 5*time.Millisecond, percentile(ten, 50))
	assert.Equal(t, 10*time.Millisecond, percentile(ten, 99))
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\timagegw\nVmPeak:\t 1262332 kB\nVmRSS:\t   23456 kB\nRssAnon:\t 10000 kB\n"
	kb, err := parseVmRSS(status)
	require.NoError(t, err)
	assert.Equal(t, int64(23456), kb)
	_, err = parseVmRSS("Name:\tx\n")
	assert.Error(t, err)
	_, err = parseVmRSS("VmRSS:\n")
	assert.Error(t, err)
}

func TestRSSThirdsAndVerdict(t *testing.T) {
	total := 90 * time.Second
	var s []rssSample
	for i := 0; i <= 90; i++ {
		kb := int64(20 * 1024)
		if i >= 60 {
			kb = 24 * 1024
		}
		s = append(s, rssSample{at: time.Duration(i) * time.Second, kb: kb})
	}
	first, last, ok := rssThirds(s, total)
	require.True(t, ok)
	assert.InDelta(t, 20*1024, first, 0.001)
	assert.InDelta(t, 24*1024, last, 0.001)

	// +4 MiB on 20 MiB is 20 %, but under the 10 MiB floor: pass
	pass, why := verdict(0, first, last, ok, 10, 20, nil)
	assert.True(t, pass, why)
	assert.Contains(t, why, "RSS growth +4.0 MiB (+20.0 %)")

	// the floor does not apply when set lower
	pass, why = verdict(0, first, last, ok, 1, 20, nil)
	assert.False(t, pass)
	assert.Contains(t, why, "RSS grew 4.0 MiB (allowed < 4.0 MiB)")

	// large process: 20 % allows more than 10 MiB
	pass, _ = verdict(0, 200*1024, 230*1024, true, 10, 20, nil)
	assert.True(t, pass)
	pass, _ = verdict(0, 200*1024, 241*1024, true, 10, 20, nil)
	assert.False(t, pass)

	pass, why = verdict(3, first, first, true, 10, 20, nil)
	assert.False(t, pass)
	assert.Equal(t, "3 errors", why)

	pass, why = verdict(0, first, first, true, 10, 20, []string{"interrupted"})
	assert.False(t, pass)
	assert.Equal(t, "interrupted", why)

	_, _, ok = rssThirds(s[:10], total) // nothing in the last third
	assert.False(t, ok)
	pass, why = verdict(0, 0, 0, false, 10, 20, nil)
	assert.False(t, pass)
	assert.Contains(t, why, "not enough RSS samples")
}

func TestFormatReport(t *testing.T) {
	var rss []rssSample
	for i := 0; i <= 30; i++ {
		rss = append(rss, rssSample{at: time.Duration(i) * time.Second, kb: 30 * 1024})
	}
	r := report{
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
	text, pass := formatReport(r)
	assert.True(t, pass, text)
	assert.Contains(t, text, "## Every 10s")
	assert.Contains(t, text, "|  10.0 |    500 |   50.0 |      0 |      2.5 |     40.0 |         3 |    30.0 |")
	assert.Contains(t, text, "| show | 20 | 3 | 0 | 2.0 | 3.0 | 200×2 404×1 |")
	assert.Contains(t, text, "| **all** | 100 | 4 | 0 | 2.0 | 5.0 | | |")
	// list before show (mix order)
	assert.Less(t, strings.Index(text, "| list |"), strings.Index(text, "| show |"))
	assert.Contains(t, text, "first third mean 30.0 MiB, last third mean 30.0 MiB, growth +0.0 MiB (+0.0 %)")
	assert.NotContains(t, text, "## Errors")
	assert.True(t, strings.HasSuffix(text, "**VERDICT: PASS** — 4 requests, 0 errors, RSS growth +0.0 MiB (+0.0 %) < 10.0 MiB allowed\n"), text)

	// one error: listed with its request and response, FAIL
	r.ops["show"].errors = 1
	r.ops["show"].statuses = map[int]int{200: 2, 500: 1}
	r.errCount = map[string]int{"show → 500 (5xx)": 1}
	r.errs = []errSample{{at: 12 * time.Second, op: "show", user: "alt", kind: "5xx", method: "GET", path: "/v2.1/images/x",
		header: map[string]string{"X-OpenStack-Nova-API-Version": "2.35"}, status: 500, expect: []int{404},
		resBody: `{"computeFault": {"code": 500}}`, reqID: "req-1", latency: 7 * time.Millisecond}}
	text, pass = formatReport(r)
	assert.False(t, pass)
	assert.Contains(t, text, "- show → 500 (5xx): 1")
	assert.Contains(t, text, "- t=12.0s show as alt: `GET /v2.1/images/x` [X-OpenStack-Nova-API-Version: 2.35]\n  → 500 (expected [404]) after 7.0 ms, 5xx, request id req-1\n  response: `{\"computeFault\": {\"code\": 500}}`")
	assert.Contains(t, text, "**VERDICT: FAIL** — 4 requests, 1 errors")
}

func TestMixAndExpectations(t *testing.T) {
	sum := 0
	names := map[string]bool{}
	for _, o := range mix {
		sum += o.weight
		names[o.name] = true
	}
	assert.Equal(t, 100, sum)

	rng := rand.New(rand.NewSource(1))
	seen := map[string]int{}
	for i := 0; i < 10000; i++ {
		seen[pickOp(rng)]++
	}
	for n := range names {
		assert.Greater(t, seen[n], 0, n)
	}
	assert.InDelta(t, 2000, seen["detail"], 200)

	assert.True(t, statusExpected([]int{200}, 200))
	assert.False(t, statusExpected([]int{404}, 200))
	assert.NoError(t, checkNotFound([]byte(`{"itemNotFound": {"code": 404, "message": "Image not found."}}`)))
	assert.Error(t, checkNotFound([]byte(`{"badRequest": {}}`)))
	assert.Error(t, checkNotFound([]byte(`nope`)))
}

func TestOwnKeyClaims(t *testing.T) {
	var s ownSet
	img := &ownImage{id: "i", keys: map[string]*keyState{}}
	for _, k := range ownKeys {
		img.keys[k] = &keyState{}
	}
	s.images = []*ownImage{img}
	rng := rand.New(rand.NewSource(2))

	assert.Nil(t, s.claimKeys(rng, 1, true), "no key is set yet")
	c := s.claimKeys(rng, 2, false)
	require.NotNil(t, c)
	s.release(c, true, func(k map[string]*keyState) {
		for _, key := range c.keys {
			k[key].present, k[key].value = true, "v"
		}
	})
	d := s.claimKeys(rng, 1, true)
	require.NotNil(t, d)
	assert.Contains(t, c.keys, d.keys[0])
	assert.True(t, s.state(d, d.keys[0]).busy)

	// a failed request quarantines its keys
	s.release(d, false, nil)
	e := s.claimKeys(rng, len(ownKeys)-1, false)
	require.NotNil(t, e)
	assert.NotContains(t, e.keys, d.keys[0])
	assert.Nil(t, s.claimKeys(rng, 1, false), "all keys busy")
}

func TestFlags(t *testing.T) {
	_, err := parseFlags([]string{"--pid", "1"}, io.Discard)
	assert.ErrorContains(t, err, "--target")
	_, err = parseFlags([]string{"--target", "http://x"}, io.Discard)
	assert.ErrorContains(t, err, "--pid")
	o, err := parseFlags([]string{"--target", "http://x/", "--pid", "1", "--duration", "2m", "--rate", "5"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "http://x", o.target)
	assert.Equal(t, 2*time.Minute, o.duration)
	assert.Equal(t, 5.0, o.rate)
	assert.NotZero(t, o.seed)
}

func TestCollectorRows(t *testing.T) {
	c := &collector{ops: map[string]*opStats{}, errCount: map[string]int{}}
	req := &request{user: "demo", method: "GET", path: "/v2.1/images", expect: []int{200}}
	for i := 1; i <= 10; i++ {
		r := result{op: "list", at: time.Duration(i) * time.Second, latency: time.Duration(i) * time.Millisecond, status: 200, req: req}
		if i == 10 {
			r.status, r.errKind, r.respBody = 500, "5xx", []byte(`{"computeFault": {}}`)
		}
		c.add(r)
	}
	row := c.row(10*time.Second, 2048, 12)
	assert.Equal(t, 10, row.done)
	assert.Equal(t, 1, row.errors)
	assert.Equal(t, 1.0, row.rate)
	assert.Equal(t, int64(2), row.inflight)
	assert.Equal(t, 5*time.Millisecond, row.p50)
	assert.Equal(t, 10*time.Millisecond, row.p99)
	require.Len(t, c.errs, 1)
	assert.Equal(t, `{"computeFault": {}}`, c.errs[0].resBody)
	assert.Nil(t, c.results[9].respBody, "bodies are only kept for errors")

	// a tail shorter than a second has no rate
	c.add(result{op: "list", latency: time.Millisecond, status: 200, req: req})
	tail := c.row(10*time.Second+300*time.Millisecond, 2048, 11)
	assert.Equal(t, 1, tail.done)
	assert.Equal(t, -1.0, tail.rate)
	assert.Contains(t, formatRow(tail), "|  10.3 |      1 |      – |")
	assert.Equal(t, 11, c.ops["list"].count)
	assert.Equal(t, 1, c.ops["list"].errors)
	assert.Equal(t, map[string]int{"list → 500 (5xx)": 1}, c.errCount)
}
