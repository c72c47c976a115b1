package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// phase is one 15 s run of alt's list reads, with or without demo's deletes.
type phase struct {
	name      string
	reads     int
	readSt    tally
	deletes   int
	deleteSt  tally
	latMu     sync.Mutex
	latSum    time.Duration
	latN      int
	logCounts map[string]int // "cache" field of alt's detail lines
	logErr    error
}

// listCacheScenario (2): alt's cached list reads while demo sends deletes
// of random ids, against a baseline without them.
func listCacheScenario(ctx context.Context, o options, c *cloud) string {
	const rate, d = 20, 15 * time.Second
	alt, err := c.token(ctx, "alt")
	if err != nil {
		return "not measured: " + err.Error()
	}
	demo, err := c.token(ctx, "demo")
	if err != nil {
		return "not measured: " + err.Error()
	}
	base := &phase{name: "baseline (alt only)"}
	runPhase(ctx, o, c, base, alt, "", rate, d)
	abuse := &phase{name: "with demo's deletes"}
	runPhase(ctx, o, c, abuse, alt, demo, rate, d)
	var b strings.Builder
	fmt.Fprintf(&b, "Pattern: alt `GET /v2.1/images/detail` at %d req/s for %s; in the second run demo also sends "+
		"`DELETE /v2.1/images/<random uuid>` at %d req/s. Hits from imagegw's log (`\"cache\"` of alt's "+
		"lines whose `route` contains `/images/detail`); latency measured by the client.\n\n", rate, d, rate)
	b.WriteString("| run | alt reads | alt statuses | log `cache` values | alt hit ratio | alt mean latency | demo deletes |\n|---|---|---|---|---|---|---|\n")
	for _, p := range []*phase{base, abuse} {
		b.WriteString(p.row() + "\n")
	}
	return b.String()
}

func runPhase(ctx context.Context, o options, c *cloud, p *phase, alt, demo string, rate int, d time.Duration) {
	offset := logSize(o.log)
	var wg sync.WaitGroup
	if demo != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.deletes = paced(ctx, rate, d, func(int) {
				a := call(ctx, "DELETE", o.target+"/v2.1/images/"+randomUUID(), demo, nil)
				p.deleteSt.add(a.what())
			})
		}()
	}
	p.reads = paced(ctx, rate, d, func(int) {
		a := call(ctx, "GET", o.target+"/v2.1/images/detail", alt, nil)
		p.readSt.add(a.what())
		p.latMu.Lock()
		p.latSum += a.took
		p.latN++
		p.latMu.Unlock()
	})
	wg.Wait()
	time.Sleep(1500 * time.Millisecond) // imagegw flushes its log every second
	p.logCounts, p.logErr = cacheCounts(o.log, offset, c.projects["alt"])
}

func (p *phase) row() string {
	lat := "n/a"
	if p.latN > 0 {
		lat = fmt.Sprintf("%.1f ms", float64(p.latSum.Microseconds())/1000/float64(p.latN))
	}
	logs, ratio := "n/a", "n/a"
	if p.logErr != nil {
		logs = "n/a: " + p.logErr.Error()
	} else {
		logs, ratio = cacheBreakdown(p.logCounts)
	}
	deletes := "none"
	if p.deletes > 0 {
		deletes = fmt.Sprintf("%d (%s)", p.deletes, p.deleteSt.String())
	}
	return fmt.Sprintf("| %s | %d | %s | %s | %s | %s | %s |", p.name, p.reads, mdCell(p.readSt.String()),
		mdCell(logs), ratio, lat, mdCell(deletes))
}

// cacheBreakdown is "hit 276, miss 1, shared 23" and hits/all lines.
func cacheBreakdown(counts map[string]int) (string, string) {
	keys := []string{"hit", "miss"}
	for k := range counts {
		if k != "hit" && k != "miss" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys[2:])
	total := 0
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, counts[k])
		total += counts[k]
	}
	if total == 0 {
		return strings.Join(parts, ", "), "n/a"
	}
	return strings.Join(parts, ", "), fmt.Sprintf("%.1f %%", 100*float64(counts["hit"])/float64(total))
}

func logSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// cacheCounts reads the JSON log lines after offset and counts the
// "cache" field of project's requests on a /images/detail route.
func cacheCounts(path string, offset int64, project string) (map[string]int, error) {
	if path == "" {
		return nil, fmt.Errorf("no --log")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l struct {
			Route   string `json:"route"`
			Project string `json:"project"`
			Cache   string `json:"cache"`
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil || !strings.Contains(l.Route, "/images/detail") {
			continue
		}
		if project != "" && l.Project != "" && l.Project != project {
			continue
		}
		if l.Cache == "" {
			l.Cache = "(empty)"
		}
		counts[l.Cache]++
	}
	if err := sc.Err(); err != nil {
		return counts, err
	}
	if len(counts) == 0 {
		return counts, fmt.Errorf("no /images/detail lines in %s", path)
	}
	return counts, nil
}
