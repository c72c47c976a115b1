package main

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

type intervalRow struct {
	end      time.Duration
	done     int
	errors   int
	p50, p99 time.Duration
	rate     float64
	inflight int64
	rssKB    int64
}

type opStats struct {
	count    int
	errors   int
	statuses map[int]int
	lat      []time.Duration
}

type errSample struct {
	at               time.Duration
	op, user, kind   string
	note             string
	method, path     string
	header           map[string]string
	reqBody, resBody string
	status           int
	expect           []int
	reqID            string
	latency          time.Duration
}

type collector struct {
	mu       sync.Mutex
	results  []result // completion order; bodies dropped unless an error
	cursor   int
	ops      map[string]*opStats
	errs     []errSample
	errCount map[string]int // "op status kind" -> n
	rss      []rssSample
	rssErr   string
	rows     []intervalRow
}

const maxErrSamples = 25

func newCollector() *collector {
	return &collector{ops: map[string]*opStats{}, errCount: map[string]int{}}
}

func (c *collector) add(r result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.ops[r.op]
	if st == nil {
		st = &opStats{statuses: map[int]int{}}
		c.ops[r.op] = st
	}
	st.count++
	st.statuses[r.status]++
	st.lat = append(st.lat, r.latency)
	if r.errKind != "" {
		st.errors++
		c.errCount[fmt.Sprintf("%s → %d (%s)", r.op, r.status, r.errKind)]++
		if len(c.errs) < maxErrSamples {
			c.errs = append(c.errs, errSample{at: r.at, op: r.op, user: r.req.user, kind: r.errKind, note: r.errNote,
				method: r.req.method, path: r.req.path, header: r.req.header, reqBody: string(r.req.body),
				resBody: truncate(string(r.respBody), 600), status: r.status, expect: r.req.expect, reqID: r.reqID,
				latency: r.latency})
		}
	}
	r.respBody, r.req = nil, nil
	c.results = append(c.results, r)
}

// row summarises the results completed since the previous row.
func (c *collector) row(end time.Duration, rssKB int64, sent int64) intervalRow {
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := c.results[c.cursor:]
	c.cursor = len(c.results)
	var prev time.Duration
	if n := len(c.rows); n > 0 {
		prev = c.rows[n-1].end
	}
	lat := make([]time.Duration, 0, len(batch))
	row := intervalRow{end: end, done: len(batch), rssKB: rssKB, inflight: sent - int64(len(c.results))}
	for _, r := range batch {
		lat = append(lat, r.latency)
		if r.errKind != "" {
			row.errors++
		}
	}
	slices.Sort(lat)
	row.p50, row.p99 = percentile(lat, 50), percentile(lat, 99)
	row.rate = -1 // not meaningful over less than a second (the tail row)
	if d := (end - prev).Seconds(); d >= 1 {
		row.rate = float64(len(batch)) / d
	}
	c.rows = append(c.rows, row)
	return row
}

// pending tells whether results completed since the last row.
func (c *collector) pending() bool { return c.cursor < len(c.results) }

// percentile is the nearest-rank percentile of sorted durations (0 if none).
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return sorted[rank-1]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("… (%d bytes)", len(s))
}
