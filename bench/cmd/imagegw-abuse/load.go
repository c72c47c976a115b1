package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pool runs fn(i) for i in [0, n) on conc goroutines, and stops starting
// new calls at the deadline or when ctx ends. It returns how many ran.
func pool(ctx context.Context, n, conc int, limit time.Duration, fn func(i int)) int {
	deadline := time.Now().Add(limit)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
	done := int(next.Load())
	return min(done, n)
}

// paced starts fn once every 1/rate seconds for d (at most rate*d calls,
// each on its own goroutine) and waits for all of them.
func paced(ctx context.Context, rate int, d time.Duration, fn func(i int)) int {
	n := int(d.Seconds() * float64(rate))
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	started := 0
	for started < n && ctx.Err() == nil {
		i := started
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
		started++
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	wg.Wait()
	return started
}

// readRSS is VmRSS of pid in bytes.
func readRSS(pid int) (int64, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("no --pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// scrapeMetric reads one unlabelled metric from /metrics: on the operator
// URL without a token, else on the main URL without a token, else on the
// main URL with admin's token. It returns the value and where it came from.
func scrapeMetric(ctx context.Context, o options, c *cloud, name string) (float64, string, error) {
	admin, _ := c.token(ctx, "admin")
	tries := []struct{ base, token, where string }{
		{o.ops, "", "ops, no token"},
		{o.target, "", "main, no token"},
		{o.target, admin, "main, admin token"},
	}
	var why []string
	for _, t := range tries {
		if t.base == "" {
			continue
		}
		a := call(ctx, "GET", t.base+"/metrics", t.token, nil)
		if a.err != nil || a.status != 200 {
			why = append(why, t.where+": "+a.what())
			continue
		}
		if v, ok := metricValue(string(a.body), name); ok {
			return v, t.where, nil
		}
		why = append(why, t.where+": no "+name)
	}
	return 0, "", fmt.Errorf("%s", strings.Join(why, "; "))
}

func metricValue(body, name string) (float64, bool) {
	for line := range strings.SplitSeq(body, "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

// memSample is the process's memory at one moment ("n/a: why" if unknown).
type memSample struct{ heap, rss, heapFrom string }

func sampleMemory(ctx context.Context, o options, c *cloud) memSample {
	var s memSample
	if h, where, err := scrapeMetric(ctx, o, c, "go_memstats_heap_alloc_bytes"); err == nil {
		s.heap, s.heapFrom = mib(h), where
	} else {
		s.heap = "n/a (" + shorten(err.Error(), 200) + ")"
	}
	if r, err := readRSS(o.pid); err == nil {
		s.rss = mib(float64(r))
	} else {
		s.rss = "n/a (" + err.Error() + ")"
	}
	return s
}

// memoryScenario (1): 12000 failed deletes of a 7000-character id.
func memoryScenario(ctx context.Context, o options, c *cloud) string {
	const n, conc, limit = 12000, 8, 150 * time.Second
	tok, err := c.token(ctx, "demo")
	if err != nil {
		return "not measured: " + err.Error()
	}
	before := sampleMemory(ctx, o, c)
	long := randomHex(7000)
	var st tally
	start := time.Now()
	sent := pool(ctx, n, conc, limit, func(i int) {
		a := call(ctx, "DELETE", fmt.Sprintf("%s/v2.1/images/%s%d", o.target, long, i), tok, nil)
		st.add(a.what())
	})
	secs := time.Since(start).Seconds()
	time.Sleep(3 * time.Second)
	after := sampleMemory(ctx, o, c)
	var b strings.Builder
	fmt.Fprintf(&b, "Pattern: `DELETE /v2.1/images/<7000 hex chars><counter>` with demo's token, %d requests at concurrency %d "+
		"(bounded to %s), then 3 s idle. Heap: `go_memstats_heap_alloc_bytes` (%s); RSS: VmRSS of pid %d.\n\n", n, conc, limit, before.heapFrom, o.pid)
	b.WriteString("| requests sent | seconds | statuses | Go heap before → after | VmRSS before → after |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| %d | %.1f | %s | %s → %s | %s → %s |", sent, secs, mdCell(st.String()),
		before.heap, after.heap, before.rss, after.rss)
	if sent < n {
		fmt.Fprintf(&b, "\n\nOnly %d of %d requests were sent within %s.", sent, n, limit)
	}
	return b.String()
}
