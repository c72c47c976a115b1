package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

type report struct {
	started              time.Time
	target               string
	pid                  int
	cloudDir             string
	duration, elapsed    time.Duration
	interval             time.Duration
	rate                 float64
	workers              int
	seed                 int64
	ownImages            []string
	seededCount          int
	scheduled, sent      int
	late                 int
	maxLag               time.Duration
	rows                 []intervalRow
	ops                  map[string]*opStats
	errs                 []errSample
	errCount             map[string]int
	rss                  []rssSample
	rssErr               string
	growthMiB, growthPct float64
	notes                []string // extra FAIL reasons (interrupted, process gone)
	info                 []string // remarks that do not fail the run
	warmup               []string
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func mib(kb float64) string { return fmt.Sprintf("%.1f", kb/1024) }

func formatRow(r intervalRow) string {
	rss := "–"
	if r.rssKB > 0 {
		rss = mib(float64(r.rssKB))
	}
	rate := "–"
	if r.rate >= 0 {
		rate = fmt.Sprintf("%.1f", r.rate)
	}
	return fmt.Sprintf("| %5.1f | %6d | %6s | %6d | %8s | %8s | %9d | %7s |",
		r.end.Seconds(), r.done, rate, r.errors, ms(r.p50), ms(r.p99), r.inflight, rss)
}

const rowHeader = "| t (s) |   done |  req/s | errors |  p50 ms |  p99 ms | in flight | RSS MiB |\n|------:|-------:|-------:|-------:|--------:|--------:|----------:|--------:|"

// totals are the sums over every operation of a report.
type totals struct {
	names         []string // the operations, in mix order
	count, errors int
	all           []time.Duration // every latency, sorted
}

func sumOps(ops map[string]*opStats) totals {
	var t totals
	for name, st := range ops {
		t.names = append(t.names, name)
		t.count += st.count
		t.errors += st.errors
		t.all = append(t.all, st.lat...)
	}
	slices.Sort(t.all)
	order := map[string]int{}
	for i, o := range mix {
		order[o.name] = i
	}
	sort.Slice(t.names, func(i, j int) bool { return order[t.names[i]] < order[t.names[j]] })
	return t
}

func formatReport(r report) (string, bool) {
	var b strings.Builder
	t := sumOps(r.ops)
	first, last, rssOK := rssThirds(r.rss, r.elapsed)
	pass, why := verdict(t.errors, first, last, rssOK, r.growthMiB, r.growthPct, r.notes)

	writeHeader(&b, r)
	writeIntervals(&b, r)
	writeTotals(&b, r, t)
	writeRSS(&b, r, first, last, rssOK)
	if t.errors > 0 {
		writeErrors(&b, r)
	}
	writeWarmup(&b, r.warmup)
	writeNotes(&b, r.info)
	v := "FAIL"
	if pass {
		v = "PASS"
	}
	fmt.Fprintf(&b, "\n**VERDICT: %s** — %d requests, %s\n", v, t.count, why)
	return b.String(), pass
}

func writeHeader(b io.Writer, r report) {
	fmt.Fprintf(b, "# imagegw soak test\n\n")
	fmt.Fprintf(b, "- started: %s, load phase %s of %s planned\n", r.started.UTC().Format(time.RFC3339), r.elapsed.Round(time.Second), r.duration)
	fmt.Fprintf(b, "- target: %s (imagegw pid %d), cloud: %s\n", r.target, r.pid, r.cloudDir)
	fmt.Fprintf(b, "- rate: %g req/s total, at most %d in flight, seed %d; users demo, alt, other, admin (one token each)\n", r.rate, r.workers, r.seed)
	fmt.Fprintf(b, "- scheduled %d, sent %d (%.1f req/s achieved), %d sent more than 1 s late, max lag %s\n",
		r.scheduled, r.sent, float64(r.sent)/math.Max(r.elapsed.Seconds(), 1e-9), r.late, r.maxLag.Round(time.Millisecond))
	fmt.Fprintf(b, "- %d seeded images read; metadata writes only on %d images created by this run (as demo, deleted at the end): %s\n",
		r.seededCount, len(r.ownImages), strings.Join(r.ownImages, ", "))
	fmt.Fprintf(b, "- error = transport error or timeout, any 5xx, a status not expected for the operation, or a body that does not match (see table)\n")
	fmt.Fprintf(b, "- PASS rule: 0 errors and RSS growth (mean of the last third − mean of the first third of the run) < %g MiB or < %g %% of the first third's mean, whichever is larger\n\n", r.growthMiB, r.growthPct)
}

func writeIntervals(b io.Writer, r report) {
	fmt.Fprintf(b, "## Every %s\n\n%s\n", r.interval, rowHeader)
	for _, row := range r.rows {
		fmt.Fprintln(b, formatRow(row))
	}
}

func writeTotals(b io.Writer, r report, t totals) {
	fmt.Fprintf(b, "\n## Totals\n\n")
	fmt.Fprintf(b, "| operation | weight | requests | errors | p50 ms | p99 ms | statuses | expected |\n|---|--:|--:|--:|--:|--:|---|---|\n")
	weights := map[string]opDef{}
	for _, o := range mix {
		weights[o.name] = o
	}
	for _, name := range t.names {
		st := r.ops[name]
		lat := slices.Clone(st.lat)
		slices.Sort(lat)
		fmt.Fprintf(b, "| %s | %d | %d | %d | %s | %s | %s | %s |\n", name, weights[name].weight, st.count, st.errors,
			ms(percentile(lat, 50)), ms(percentile(lat, 99)), statusCounts(st.statuses), weights[name].expect)
	}
	fmt.Fprintf(b, "| **all** | 100 | %d | %d | %s | %s | | |\n", t.count, t.errors, ms(percentile(t.all, 50)), ms(percentile(t.all, 99)))
	fmt.Fprintf(b, "\n(status 0 = no HTTP answer.) Operations:\n\n")
	for _, o := range mix {
		fmt.Fprintf(b, "- `%s`: %s\n", o.name, o.what)
	}
	fmt.Fprintf(b, "\nURL forms are mixed: `/v2.1`, `/v2.1/{project_id}` (each with no version header, `X-OpenStack-Nova-API-Version: 2.35` or `OpenStack-API-Version: compute 2.1`) and legacy `/v2/{project_id}`.\n")
}

// statusCounts is "200×2 404×1", by status.
func statusCounts(statuses map[int]int) string {
	codes := make([]int, 0, len(statuses))
	for c := range statuses {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var sc []string
	for _, c := range codes {
		sc = append(sc, fmt.Sprintf("%d×%d", c, statuses[c]))
	}
	return strings.Join(sc, " ")
}

func writeRSS(b io.Writer, r report, first, last float64, rssOK bool) {
	fmt.Fprintf(b, "\n## imagegw RSS\n\n")
	if len(r.rss) > 0 {
		lo, hi := r.rss[0].kb, r.rss[0].kb
		for _, s := range r.rss {
			lo, hi = min(lo, s.kb), max(hi, s.kb)
		}
		fmt.Fprintf(b, "%d samples (1/s): start %s MiB, min %s, max %s, end %s MiB", len(r.rss), mib(float64(r.rss[0].kb)),
			mib(float64(lo)), mib(float64(hi)), mib(float64(r.rss[len(r.rss)-1].kb)))
		if rssOK {
			fmt.Fprintf(b, "; first third mean %s MiB, last third mean %s MiB, growth %+.1f MiB (%+.1f %%)", mib(first), mib(last), (last-first)/1024, pct(last-first, first))
		}
		fmt.Fprintln(b)
	}
	if r.rssErr != "" {
		fmt.Fprintf(b, "\nRSS sampling error: %s\n", r.rssErr)
	}
}

func writeErrors(b io.Writer, r report) {
	fmt.Fprintf(b, "\n## Errors\n\n")
	keys := make([]string, 0, len(r.errCount))
	for k := range r.errCount {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "- %s: %d\n", k, r.errCount[k])
	}
	fmt.Fprintf(b, "\nFirst %d:\n\n", len(r.errs))
	for _, e := range r.errs {
		writeErrSample(b, e)
	}
}

func writeErrSample(b io.Writer, e errSample) {
	fmt.Fprintf(b, "- t=%.1fs %s as %s: `%s %s`", e.at.Seconds(), e.op, e.user, e.method, e.path)
	if len(e.header) > 0 {
		hk := make([]string, 0, len(e.header))
		for k, v := range e.header {
			hk = append(hk, k+": "+v)
		}
		sort.Strings(hk)
		fmt.Fprintf(b, " [%s]", strings.Join(hk, "; "))
	}
	if e.reqBody != "" {
		fmt.Fprintf(b, " body `%s`", e.reqBody)
	}
	fmt.Fprintf(b, "\n  → %d (expected %v) after %s ms, %s", e.status, e.expect, ms(e.latency), e.kind)
	if e.note != "" {
		fmt.Fprintf(b, ": %s", e.note)
	}
	if e.reqID != "" {
		fmt.Fprintf(b, ", request id %s", e.reqID)
	}
	if e.resBody != "" {
		fmt.Fprintf(b, "\n  response: `%s`", strings.ReplaceAll(e.resBody, "`", "'"))
	}
	fmt.Fprintln(b)
}

func writeWarmup(b io.Writer, warmup []string) {
	if len(warmup) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Warm-up (not counted)\n\nOne `GET /v2.1/images?limit=1` per user, one after the other, before the load, so that imagegw's token cache holds the four tokens:\n\n")
	for _, w := range warmup {
		fmt.Fprintf(b, "- %s\n", w)
	}
}

func writeNotes(b io.Writer, info []string) {
	if len(info) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Notes\n\n")
	for _, n := range info {
		fmt.Fprintf(b, "- %s\n", n)
	}
}
