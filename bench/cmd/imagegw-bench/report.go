package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Record is one line of the raw results.
type Record struct {
	Kind string `json:"kind"` // run, fill, fact

	// run (wrk)
	Target      string           `json:"target,omitempty"`
	Case        string           `json:"case,omitempty"`
	URL         string           `json:"url,omitempty"`
	Connections int              `json:"connections,omitempty"`
	Requests    int64            `json:"requests,omitempty"`
	DurationS   float64          `json:"duration_s,omitempty"`
	Bytes       int64            `json:"bytes,omitempty"`
	RPS         float64          `json:"rps,omitempty"`
	MeanMS      float64          `json:"mean_ms,omitempty"`
	P50MS       float64          `json:"p50_ms,omitempty"`
	P90MS       float64          `json:"p90_ms,omitempty"`
	P99MS       float64          `json:"p99_ms,omitempty"`
	MaxMS       float64          `json:"max_ms,omitempty"`
	Errors      map[string]int64 `json:"errors,omitempty"`
	Load1       float64          `json:"load1,omitempty"`
	// ServerCPUMS is the server process's CPU time (user+system) during the run.
	ServerCPUMS     float64 `json:"server_cpu_ms,omitempty"`
	CallsPerRequest float64 `json:"calls_per_request,omitempty"`

	// fill and fact
	Name       string  `json:"name,omitempty"`
	OK         int64   `json:"ok,omitempty"`
	Non200     int64   `json:"non200,omitempty"`
	Failed     int64   `json:"failed,omitempty"`
	FirstError string  `json:"first_error,omitempty"`
	Value      float64 `json:"value,omitempty"`
	Text       string  `json:"text,omitempty"`
}

func (r Record) errCount() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// Targets and cases in report order.
var (
	targets = []string{"imagegw-hit", "bare-echo", "imagegw-miss", "glance-direct", "glance-paged", "nova-api"}
	cases   = []string{"detail-50", "detail-500", "detail-1000", "show", "metadata"}
	pages   = []string{"detail-50", "detail-500", "detail-1000"}
)

type results struct {
	runs   map[string]Record // target|case|connections: the best round
	rounds map[string]int
	fills  map[string]Record
	facts  map[string]Record
	all    []Record
	conns  int
}

func key(target, c string, conns int) string { return fmt.Sprintf("%s|%s|%d", target, c, conns) }

func (r *results) run(target, c string, conns int) (Record, bool) {
	x, ok := r.runs[key(target, c, conns)]
	return x, ok
}

func (r *results) fact(name string) (float64, bool) {
	x, ok := r.facts[name]
	return x.Value, ok
}

func (r *results) text(name string) string { return r.facts[name].Text }

func readResults(path string) (*results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res := &results{runs: map[string]Record{}, rounds: map[string]int{}, fills: map[string]Record{}, facts: map[string]Record{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "BENCH_JSON"))
		if line == "" || !strings.HasPrefix(line, "{") {
			continue
		}
		var x Record
		if err := json.Unmarshal([]byte(line), &x); err != nil {
			return nil, fmt.Errorf("%s: %w: %s", path, err, line)
		}
		res.all = append(res.all, x)
		switch x.Kind {
		case "run":
			// a repeated run (BENCH_ROUNDS) keeps its best throughput:
			// interference from other work on the machine only slows a run down
			k := key(x.Target, x.Case, x.Connections)
			res.rounds[k]++
			if old, ok := res.runs[k]; !ok || x.RPS > old.RPS {
				res.runs[k] = x
			}
		case "fill":
			res.fills[x.Name] = x
		case "fact":
			res.facts[x.Name] = x
		}
	}
	return res, sc.Err()
}

func report(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	in := fs.String("in", "", "raw results (JSON lines)")
	out := fs.String("out", "bench/results", "output directory")
	command := fs.String("command", "bash scripts/bench.sh", "command line to print")
	conns := fs.Int("connections", 4, "connections of the main runs")
	profile := fs.String("profile", "", "text file with the CPU profile of the hit path (included when given)")
	_ = fs.Parse(args)
	if *in == "" {
		return errors.New("report: -in is required")
	}
	res, err := readResults(*in)
	if err != nil {
		return err
	}
	res.conns = *conns
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeJSON(res, filepath.Join(*out, "results.json")); err != nil {
		return err
	}
	if err := writeCSV(res, filepath.Join(*out, "results.csv")); err != nil {
		return err
	}
	chartErr := writeChart(res, *out)
	md := markdown(res, *command, *profile, chartErr)
	if err := os.WriteFile(filepath.Join(*out, "results.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	return chartErr
}

func writeJSON(res *results, path string) error {
	raw, err := json.MarshalIndent(map[string]any{"generated": time.Now().UTC().Format(time.RFC3339), "records": res.all}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

func writeCSV(res *results, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	_ = w.Write([]string{"target", "case", "connections", "url", "requests", "duration_s", "rps", "mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms", "bytes_per_response", "errors", "load1", "server_cpu_ms", "server_cpu_us_per_request"})
	keys := make([]string, 0, len(res.runs))
	for k := range res.runs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return orderKey(res.runs[keys[i]]) < orderKey(res.runs[keys[j]]) })
	for _, k := range keys {
		x := res.runs[k]
		_ = w.Write([]string{x.Target, x.Case, strconv.Itoa(x.Connections), x.URL, strconv.FormatInt(x.Requests, 10),
			ff(x.DurationS, 3), ff(x.RPS, 2), ff(x.MeanMS, 3), ff(x.P50MS, 3), ff(x.P90MS, 3), ff(x.P99MS, 3), ff(x.MaxMS, 3),
			strconv.FormatInt(perResponse(x), 10), strconv.FormatInt(x.errCount(), 10), ff(x.Load1, 2),
			ff(x.ServerCPUMS, 0), ff(cpuPerRequest(x), 1)})
	}
	w.Flush()
	return w.Error()
}

func orderKey(x Record) string {
	return fmt.Sprintf("%d-%d-%06d", indexIn(cases, x.Case), indexIn(targets, x.Target), 999999-x.Connections)
}

func indexIn(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return len(list)
}

// cpuPerRequest is the server's CPU time per request in µs (0: not measured).
func cpuPerRequest(x Record) float64 {
	if x.Requests == 0 || x.ServerCPUMS == 0 {
		return 0
	}
	return x.ServerCPUMS * 1000 / float64(x.Requests)
}

func cpuCell(x Record) string {
	if v := cpuPerRequest(x); v > 0 {
		return num(v)
	}
	return "–"
}

func perResponse(x Record) int64 {
	if x.Requests == 0 {
		return 0
	}
	return x.Bytes / x.Requests
}

func ff(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

// num formats a measurement with about 3 significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 100:
		return ff(v, 0)
	case a >= 10:
		return ff(v, 1)
	case a >= 1:
		return ff(v, 2)
	default:
		return ff(v, 3)
	}
}

func yes(ok bool) string {
	if ok {
		return "**yes**"
	}
	return "**no**"
}

func mb(kb float64) string { return ff(kb/1024, 1) + " MB" }

func machineFacts() (nproc int, model, mem, kernel string) {
	nproc = runtime.NumCPU()
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				f := strings.Fields(l)
				if len(f) >= 2 {
					kb, _ := strconv.ParseFloat(f[1], 64)
					mem = ff(kb/1024/1024, 1) + " GiB"
				}
			}
		}
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(raw))
	}
	return
}

// target is one goal of issue 7 with its verdict.
type target struct {
	name, goal, measured string
	ok, known            bool
}

// hitRatioTarget is a goal on imagegw-hit's req/s over another target's
// (at the main connection count), met when every case measured reaches min.
func hitRatioTarget(res *results, name, goal string, cases []string, other string, min float64,
	show func(r float64, hit, other Record) string) target {
	t := target{name: name, goal: goal, ok: true}
	var parts []string
	for _, p := range cases {
		h, ok1 := res.run("imagegw-hit", p, res.conns)
		o, ok2 := res.run(other, p, res.conns)
		if !ok1 || !ok2 || o.RPS == 0 {
			continue
		}
		r := h.RPS / o.RPS
		t.known = true
		t.ok = t.ok && r >= min
		parts = append(parts, p+" "+show(r, h, o))
	}
	t.measured = strings.Join(parts, ", ")
	return t
}

func evaluate(res *results) []target {
	var out []target
	c := res.conns

	ratio := func(r float64, h, o Record) string { return fmt.Sprintf("%.2fx%s", r, cpuNote(h, o)) }
	// hit >= 0.7x bare echo on images/detail (every page size)
	out = append(out, hitRatioTarget(res, "hit path vs bare Echo (images/detail)", ">= 0.7x bare Echo req/s at every page size",
		pages, "bare-echo", 0.7, ratio))
	// same, show and metadata (informative: the goal names images/detail)
	out = append(out, hitRatioTarget(res, "hit path vs bare Echo (show, metadata; informative)", ">= 0.7x bare Echo req/s",
		[]string{"show", "metadata"}, "bare-echo", 0.7, ratio))
	// hit >= 50x nova-api on images/detail
	t := hitRatioTarget(res, "hit path vs nova-api (images/detail)", ">= 50x nova-api req/s at every page size",
		pages, "nova-api", 50, func(r float64, _, _ Record) string { return fmt.Sprintf("%.0fx", r) })
	if !t.known {
		t.measured = "not measured (run with BENCH_NOVA=1)"
	}
	out = append(out, t)
	var parts []string

	// miss within 2 ms p50 of glance direct, unloaded (1 connection) and loaded
	for _, cc := range []int{1, c} {
		t = target{name: fmt.Sprintf("miss path vs Glance direct, p50 delta (%d connection%s)", cc, plural(cc)), goal: "<= 2 ms"}
		parts = nil
		t.ok = true
		for _, p := range cases {
			m, ok1 := res.run("imagegw-miss", p, cc)
			g, ok2 := res.run("glance-direct", glanceCase(p), cc)
			if !ok1 || !ok2 {
				continue
			}
			d := m.P50MS - g.P50MS
			t.known = true
			t.ok = t.ok && d <= 2
			parts = append(parts, fmt.Sprintf("%s %+.2f ms", p, d))
		}
		t.measured = strings.Join(parts, ", ")
		out = append(out, t)
		if cc == 1 && hasTarget(res, "glance-paged") {
			// the same Glance calls as imagegw makes (paged where imagegw pages)
			t = target{name: "miss path vs the same Glance calls made directly, p50 delta (1 connection)", goal: "<= 2 ms"}
			parts = nil
			t.ok = true
			for _, p := range cases {
				m, ok1 := res.run("imagegw-miss", p, 1)
				g, ok2 := res.run("glance-paged", p, 1)
				label := p + " (paged)"
				if !ok2 {
					g, ok2 = res.run("glance-direct", glanceCase(p), 1)
					label = p
				}
				if !ok1 || !ok2 {
					continue
				}
				d := m.P50MS - g.P50MS
				t.known = true
				t.ok = t.ok && d <= 2
				parts = append(parts, fmt.Sprintf("%s %+.2f ms", label, d))
			}
			t.measured = strings.Join(parts, ", ")
			out = append(out, t)
		}
		if cc == c {
			break
		}
	}

	// RSS < 100 MB with 100k cached entries
	t = target{name: "imagegw RSS with the cache full of distinct keys (one body, held once)", goal: "< 100 MB with 100k entries"}
	parts = nil
	t.ok = true
	for _, name := range []string{"fill-lifted", "fill-default"} {
		rss, ok := res.fact(name + "-rss-kb")
		held, ok2 := res.fact(name + "-entries")
		if !ok || !ok2 {
			continue
		}
		t.known = true
		label := "default bounds"
		if name == "fill-lifted" {
			label = "cache_max_bytes lifted"
		}
		parts = append(parts, fmt.Sprintf("%s: %s with %.0f entries", label, mb(rss), held))
		if held >= 100000 {
			t.ok = t.ok && rss < 100*1024
		}
	}
	if held, ok := res.fact("fill-lifted-entries"); !ok || held < 100000 {
		t.ok = false // no run held 100k entries
	}
	t.measured = strings.Join(parts, "; ")
	out = append(out, t)
	return out
}

func hasTarget(res *results, target string) bool {
	for _, x := range res.runs {
		if x.Target == target {
			return true
		}
	}
	return false
}

// cpuNote is " (CPU/request 1.6x bare)" when both runs have the server CPU.
func cpuNote(h, b Record) string {
	ch, cb := cpuPerRequest(h), cpuPerRequest(b)
	if ch == 0 || cb == 0 {
		return ""
	}
	return fmt.Sprintf(" (server CPU/request %.0f vs %.0f µs)", ch, cb)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// glanceCase is the Glance call behind a case: metadata reads the image.
func glanceCase(c string) string {
	if c == "metadata" {
		return "show"
	}
	return c
}

var targetNotes = map[string]string{
	"imagegw-hit":   "imagegw, response cache on, every request a hit",
	"bare-echo":     "bare Echo handler writing the captured imagegw bytes",
	"imagegw-miss":  "imagegw, response cache off (token cache on)",
	"glance-direct": "Glance v2 directly (`/v2/images?limit=N`, `/v2/images/{id}`), one call",
	"glance-paged":  "Glance v2 directly, the same calls imagegw makes for a large limit (pages with markers), one sample = the whole sequence",
	"nova-api":      "nova-api Zed (Debian), 1 worker",
}

func markdown(res *results, command, profile string, chartErr error) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	nproc, model, mem, kernel := machineFacts()
	date := res.text("date")
	if date == "" {
		date = time.Now().UTC().Format(time.RFC3339)
	}
	c := res.conns
	w("# imagegw benchmark\n\n")
	w("Generated by `%s` on %s.\n\n", command, date)
	w("| | |\n|---|---|\n")
	w("| machine | %d CPUs (`nproc`), %s, %s RAM, Linux %s |\n", nproc, model, mem, kernel)
	w("| load average (1 min) at start / end | %s / %s (other work on the machine adds noise) |\n", res.text("load-start"), res.text("load-end"))
	w("| imagegw | commit %s, built with %s |\n", res.text("commit"), res.text("go-version"))
	w("| load generator | %s, 1 thread, %d connections (1 for the unloaded latency rows), %s s per run, separate process on loopback |\n", res.text("wrk-version"), c, res.text("duration"))
	w("| cloud | %s |\n", res.text("cloud"))
	w("| image set | %s |\n", res.text("image-set"))
	w("| requests | %s |\n", res.text("requests"))
	w("| cache settings | %s |\n", res.text("cache-settings"))
	w("\n")

	w("## Targets\n\n| goal | target | measured | reached |\n|---|---|---|---|\n")
	for _, t := range evaluate(res) {
		verdict := yes(t.ok)
		if !t.known {
			verdict = "not measured"
		}
		w("| %s | %s | %s | %s |\n", t.name, t.goal, t.measured, verdict)
	}
	w("\n")

	w("## Throughput and latency (%d connections)\n\n", c)
	w("| case | target | req/s | p50 ms | p99 ms | requests | bytes/response | errors | server CPU µs/request |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, cs := range cases {
		for _, tg := range targets {
			x, ok := res.run(tg, glanceOr(tg, cs), c)
			if !ok {
				continue
			}
			label := tg
			if tg == "glance-direct" && cs == "metadata" {
				label += " (image show)"
			}
			if n := res.rounds[key(tg, glanceOr(tg, cs), c)]; n > 1 {
				label += fmt.Sprintf(" (best of %d)", n)
			}
			w("| %s | %s | %s | %s | %s | %d | %d | %d | %s |\n", cs, label, num(x.RPS), num(x.P50MS), num(x.P99MS), x.Requests, perResponse(x), x.errCount(), cpuCell(x))
		}
	}
	w("\nTargets: ")
	for i, tg := range targets {
		if i > 0 {
			w("; ")
		}
		w("`%s` %s", tg, targetNotes[tg])
	}
	w(". Server CPU: user+system time of the server process during the run (/proc/<pid>/stat) per request, for the Go servers.\n\n")

	w("## Unloaded latency (1 connection): miss path vs Glance direct\n\n")
	paged := hasTarget(res, "glance-paged")
	if paged {
		w("| case | imagegw-miss p50 ms | glance-direct p50 ms | delta p50 ms | glance-paged p50 ms | delta vs paged ms | imagegw-miss p99 ms | glance-direct p99 ms | Glance calls per imagegw miss |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	} else {
		w("| case | imagegw-miss p50 ms | glance-direct p50 ms | delta p50 ms | imagegw-miss p99 ms | glance-direct p99 ms | Glance calls per imagegw miss |\n|---|---:|---:|---:|---:|---:|---:|\n")
	}
	for _, cs := range cases {
		m, ok1 := res.run("imagegw-miss", cs, 1)
		g, ok2 := res.run("glance-direct", glanceCase(cs), 1)
		if !ok1 || !ok2 {
			continue
		}
		calls := "–"
		if v, ok := res.fact("glance-calls-" + glanceCase(cs)); ok {
			calls = ff(v, 0)
		}
		pg, dpg := "–", "–"
		if x, ok := res.run("glance-paged", cs, 1); ok {
			pg, dpg = num(x.P50MS), fmt.Sprintf("%+.2f", m.P50MS-x.P50MS)
		}
		if paged {
			w("| %s | %s | %s | %+.2f | %s | %s | %s | %s | %s |\n", cs, num(m.P50MS), num(g.P50MS), m.P50MS-g.P50MS, pg, dpg, num(m.P99MS), num(g.P99MS), calls)
		} else {
			w("| %s | %s | %s | %+.2f | %s | %s | %s |\n", cs, num(m.P50MS), num(g.P50MS), m.P50MS-g.P50MS, num(m.P99MS), num(g.P99MS), calls)
		}
	}
	w("\nglance-direct is one call (`limit=N`). imagegw fetches a list in Glance pages of `translate.DefaultPageSize` (%s in this build) "+
		"with markers; Glance calls per miss are counted in Glance's access log for one request. Where imagegw makes more calls than glance-direct, "+
		"each extra call (token check, DB query, JSON) lands in the delta, and the bench also times those same calls made directly (glance-paged). "+
		"The metadata miss is compared with Glance's image show, the one call behind it.\n\n", res.text("glance-page"))

	w("## Ratios (%d connections)\n\n", c)
	w("| case | imagegw-hit / bare-echo (req/s) | imagegw-hit / bare-echo (server CPU per request) | imagegw-hit / nova-api (req/s) | imagegw-hit / imagegw-miss (req/s) | imagegw-miss − glance-direct p50 ms | imagegw-miss / glance-direct (req/s) | nova-api / imagegw-miss (p50) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, cs := range cases {
		h, okH := res.run("imagegw-hit", cs, c)
		bb, okB := res.run("bare-echo", cs, c)
		m, okM := res.run("imagegw-miss", cs, c)
		g, okG := res.run("glance-direct", glanceCase(cs), c)
		n, okN := res.run("nova-api", cs, c)
		cell := func(ok bool, v float64, suffix string) string {
			if !ok || math.IsInf(v, 0) || math.IsNaN(v) {
				return "–"
			}
			return num(v) + suffix
		}
		delta := "–"
		if okM && okG {
			delta = fmt.Sprintf("%+.2f", m.P50MS-g.P50MS)
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s |\n", cs,
			cell(okH && okB, h.RPS/bb.RPS, "x"), cell(okH && okB && cpuPerRequest(bb) > 0, cpuPerRequest(h)/cpuPerRequest(bb), "x"), cell(okH && okN, h.RPS/n.RPS, "x"), cell(okH && okM, h.RPS/m.RPS, "x"),
			delta, cell(okM && okG, m.RPS/g.RPS, "x"), cell(okN && okM, n.P50MS/m.P50MS, "x"))
	}
	w("\n")

	w("## Cost growth with page size (images/detail, limit 50 → 500 → 1000)\n\n")
	w("| target | p50 ms @50 | @500 | @1000 | p50 ×(1000/50) | req/s @50 | @500 | @1000 | req/s ÷(50/1000) | bytes/response @1000 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, tg := range targets {
		var xs []Record
		for _, p := range pages {
			if x, ok := res.run(tg, p, c); ok {
				xs = append(xs, x)
			}
		}
		if len(xs) != len(pages) {
			continue
		}
		w("| %s | %s | %s | %s | %.1fx | %s | %s | %s | %.1fx | %d |\n", tg, num(xs[0].P50MS), num(xs[1].P50MS), num(xs[2].P50MS), xs[2].P50MS/xs[0].P50MS,
			num(xs[0].RPS), num(xs[1].RPS), num(xs[2].RPS), xs[0].RPS/xs[2].RPS, perResponse(xs[2]))
	}
	w("\n")

	w("## Memory (VmRSS of imagegw from /proc/<pid>/status)\n\n| measurement | value |\n|---|---:|\n")
	memRows := []struct{ name, label string }{
		{"rss-hit-idle-kb", "cache-on imagegw after start and priming the 5 cached responses"},
		{"rss-hit-peak-kb", "peak VmRSS sampled every 0.25 s during the hit runs"},
		{"rss-hit-after-kb", "after the hit runs"},
		{"hwm-hit-after-kb", "VmHWM (peak RSS) after the hit runs"},
		{"rss-miss-after-kb", "cache-off imagegw after its runs"},
	}
	for _, r := range memRows {
		if v, ok := res.fact(r.name); ok {
			w("| %s | %s |\n", r.label, mb(v))
		}
	}
	for _, name := range []string{"fill-default", "fill-lifted"} {
		f, ok := res.fills[name]
		if !ok {
			continue
		}
		label := "default cache bounds (100000 entries, 64 MiB)"
		if name == "fill-lifted" {
			label = "cache_max_bytes lifted to 1 GiB (entries bound 100000)"
		}
		held, _ := res.fact(name + "-entries")
		before, _ := res.fact(name + "-rss-before-kb")
		rss, _ := res.fact(name + "-rss-kb")
		hwm, _ := res.fact(name + "-hwm-kb")
		acc, _ := res.fact(name + "-cache-bytes")
		w("| fill, %s: %d distinct `/v2.1/images/{id}?x=i` requests (%d ok, %.0f req/s, %d connections) | entries held **%.0f** |\n",
			label, f.Requests, f.OK, f.RPS, f.Connections, held)
		w("| … VmRSS before the fill / after it / VmHWM | %s / **%s** / %s |\n", mb(before), mb(rss), mb(hwm))
		if ha, ok := res.fact(name + "-go_memstats_heap_alloc_bytes"); ok {
			hi, _ := res.fact(name + "-go_memstats_heap_inuse_bytes")
			ng, _ := res.fact(name + "-go_memstats_next_gc_bytes")
			sys, _ := res.fact(name + "-go_memstats_sys_bytes")
			w("| … Go heap after the fill: allocated / in use / next GC target / total from the OS (go_memstats_* on /metrics) | %s / %s / %s / %s |\n",
				mbBytes(ha), mbBytes(hi), mbBytes(ng), mbBytes(sys))
		}
		if held > 0 {
			w("| … RSS growth per held entry (body %s bytes; cache-accounted %s) | %.0f bytes |\n", res.text("fill-body-bytes"), mbBytes(acc), (rss-before)*1024/held)
		}
	}
	w("\n")
	if s := res.text("fill-note"); s != "" {
		w("%s\n\n", s)
	}
	if s := res.text("cache-memory-bench"); s != "" {
		w("Go heap per held entry, 50k entries of %s-byte bodies, all the same or all different (`go test ./proxy -bench CacheMemory -benchtime 1x`):\n\n```\n%s\n```\n\n",
			"843", s)
	}

	if chartErr == nil {
		w("## Chart\n\n![throughput and latency](chart.png)\n\n")
	} else {
		w("Chart not drawn: %v\n\n", chartErr)
	}

	if profile != "" {
		if raw, err := os.ReadFile(profile); err == nil {
			breakdown(w, string(raw))
			w("### Raw profile\n\n```\n%s```\n\n", string(raw))
		}
	}
	w("Raw numbers: `results.json` (every record), `results.csv` (one line per wrk run).\n")
	return b.String()
}

func mbBytes(v float64) string {
	if v == 0 {
		return "n/a"
	}
	return ff(v/1024/1024, 1) + " MB"
}

// glanceOr maps a case to the run recorded for a target.
func glanceOr(target, c string) string {
	if target == "glance-direct" {
		return glanceCase(c)
	}
	return c
}

// writeChart draws chart.png with gnuplot: req/s per case and target
// (log scale) and p50 latency against the page size.
func writeChart(res *results, dir string) error {
	if _, err := exec.LookPath("gnuplot"); err != nil {
		return errors.New("gnuplot not installed")
	}
	tmp, err := os.MkdirTemp("", "imagegw-bench-chart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	c := res.conns
	var present []string
	for _, tg := range targets {
		for _, cs := range cases {
			if _, ok := res.run(tg, glanceOr(tg, cs), c); ok {
				present = append(present, tg)
				break
			}
		}
	}
	if len(present) == 0 {
		return errors.New("no runs to chart")
	}
	// no header lines: a histogram would count one as a (empty) row
	var rps strings.Builder
	for _, cs := range cases {
		rps.WriteString(cs)
		for _, tg := range present {
			if x, ok := res.run(tg, glanceOr(tg, cs), c); ok && x.RPS > 0 {
				rps.WriteString(" " + ff(x.RPS, 2))
			} else {
				rps.WriteString(" NaN")
			}
		}
		rps.WriteString("\n")
	}
	var lat strings.Builder
	for _, p := range pages {
		lat.WriteString(strings.TrimPrefix(p, "detail-"))
		for _, tg := range present {
			if x, ok := res.run(tg, p, c); ok && x.P50MS > 0 {
				lat.WriteString(" " + ff(x.P50MS, 4))
			} else {
				lat.WriteString(" NaN")
			}
		}
		lat.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(tmp, "rps.dat"), []byte(rps.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "lat.dat"), []byte(lat.String()), 0o644); err != nil {
		return err
	}
	colors := map[string]string{"imagegw-hit": "#1b9e77", "bare-echo": "#7570b3", "imagegw-miss": "#d95f02", "glance-direct": "#e7298a", "glance-paged": "#e6ab02", "nova-api": "#666666"}
	var gp strings.Builder
	fmt.Fprintf(&gp, `set terminal pngcairo size 1500,620 font "DejaVu Sans,11"
set output %q
set datafile missing "NaN"
set multiplot layout 1,2 title "imagegw benchmark — %d CPUs, wrk %d connections, %s s per run (%s)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set logscale y
set yrange [0.1:1e6]
set xrange [-0.6:4.6]
set grid ytics mytics
set ylabel "requests/s (log scale)"
set xlabel "request"
set key top right font ",10"
set title "Throughput"
`, filepath.Join(dir, "chart.png"), runtime.NumCPU(), c, res.text("duration"), res.text("date"))
	var plots []string
	for i, tg := range present {
		xt := ""
		if i == 0 {
			xt = ":xtic(1)"
		}
		plots = append(plots, fmt.Sprintf("%q using %d%s title %q lc rgb %q", filepath.Join(tmp, "rps.dat"), i+2, xt, tg, colors[tg]))
	}
	gp.WriteString("plot " + strings.Join(plots, ", \\\n  ") + "\n")
	gp.WriteString(`unset style
set style data linespoints
set autoscale x
set logscale xy
set xrange [40:1250]
set yrange [*:*]
set xtics ("50" 50, "500" 500, "1000" 1000)
set ylabel "p50 latency, ms (log scale)"
set xlabel "images per page (limit)"
set key top left font ",10"
set title "images/detail p50 latency vs page size"
`)
	plots = nil
	for i, tg := range present {
		plots = append(plots, fmt.Sprintf("%q using 1:%d title %q lw 2 pt 7 ps 1.2 lc rgb %q", filepath.Join(tmp, "lat.dat"), i+2, tg, colors[tg]))
	}
	gp.WriteString("plot " + strings.Join(plots, ", \\\n  ") + "\nunset multiplot\n")
	script := filepath.Join(tmp, "chart.gp")
	if err := os.WriteFile(script, []byte(gp.String()), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command("gnuplot", script).CombinedOutput(); err != nil {
		return fmt.Errorf("gnuplot: %v: %s", err, out)
	}
	return nil
}

// breakdown summarises the perf inclusive (children) view of the hit path:
// the share of imagegw's CPU samples per stage of a request.
func breakdown(w func(string, ...any), profile string) {
	incl := map[string]float64{}
	for _, l := range strings.Split(profile, "\n") {
		f := strings.Fields(l)
		// "  23.43%     0.00%  [.] symbol"
		if len(f) >= 4 && strings.HasSuffix(f[0], "%") && strings.HasSuffix(f[1], "%") && strings.HasPrefix(f[2], "[") {
			v, err := strconv.ParseFloat(strings.TrimSuffix(f[0], "%"), 64)
			if err != nil {
				continue
			}
			sym := strings.Join(f[3:], " ")
			if _, seen := incl[sym]; !seen {
				incl[sym] = v
			}
		}
	}
	find := func(parts ...string) (float64, bool) {
		best, found := 0.0, false
		for sym, v := range incl {
			ok := true
			for _, p := range parts {
				if !strings.Contains(sym, p) {
					ok = false
					break
				}
			}
			if ok && v > best {
				best, found = v, true
			}
		}
		return best, found
	}
	type row struct {
		label string
		v     float64
		ok    bool
	}
	var rows []row
	add := func(label string, v float64, ok bool) { rows = append(rows, row{label, v, ok}) }
	diff := func(label string, a, b []string) {
		x, ok1 := find(a...)
		y, ok2 := find(b...)
		add(label, x-y, ok1 && ok2)
	}
	v, ok := find("net/http.(*conn).serve")
	add("net/http connection loop (everything below + reading requests)", v, ok)
	v, ok = find("net/http.(*conn).readRequest")
	add("… reading and parsing the request", v, ok)
	v, ok = find("net/http.(*response).finishRequest")
	add("… flushing the response (write syscall on loopback)", v, ok)
	v, ok = find("proxy.(*Server).ServeHTTP")
	add("… imagegw's handler chain (Echo, middleware, cache hit)", v, ok)
	diff("… … requestLog itself (request id, log line, metrics)", []string{"requestLog"}, []string{"recoverPanic"})
	v, ok = find("zap.(*Logger).Info")
	add("… … … of which zap Info (JSON encode + write(2) to the log file)", v, ok)
	v, ok = find("uuid.NewString")
	add("… … … of which uuid.NewString (request id)", v, ok)
	var prom float64
	var promOK bool
	for _, name := range []string{"prometheus.(*CounterVec).WithLabelValues", "prometheus.(*HistogramVec).WithLabelValues",
		"prometheus.(*histogram).Observe", "prometheus.(*counter).Inc"} {
		if v, ok := find(name); ok {
			prom, promOK = prom+v, true
		}
	}
	add("… … … of which Prometheus (label lookups, counters, histogram)", prom, promOK)
	v, ok = find("migrationReport).record")
	add("… … … of which the migration report (per-request map update under a mutex)", v, ok)
	diff("… … requestTimeout itself (context.WithTimeout + timer)", []string{"requestTimeout"}, []string{"bodyLimit"})
	diff("… … auth itself (token cache lookup)", []string{"auth-fm"}, []string{"versions-fm"})
	diff("… … versions itself (microversion negotiation, headers)", []string{"versions-fm"}, []string{"echo/v4.(*Echo).add.func1"})
	v, ok = find("proxy.New.(*Server).read.")
	add("… … the cached read (key, lookup, write body)", v, ok)
	v, ok = find("runtime.gcBgMarkWorker")
	add("garbage collector (background mark)", v, ok)
	v, ok = find("runtime.mallocgc")
	add("allocation (runtime.mallocgc, all callers)", v, ok)
	any := false
	for _, r := range rows {
		any = any || r.ok
	}
	if !any {
		return
	}
	w("## Where the hit path's CPU goes (perf, show hit, live binary)\n\n")
	w("Inclusive share of imagegw's CPU samples (user + kernel) per stage, from `perf record -g` on the cache-on imagegw during a show-hit wrk run; \"itself\" = a middleware minus the next one it calls; – = not among the recorded frames.\n\n")
	w("| stage | share of imagegw CPU |\n|---|---:|\n")
	for _, r := range rows {
		if r.ok {
			w("| %s | %.1f%% |\n", r.label, r.v)
		} else {
			w("| %s | – |\n", r.label)
		}
	}
	w("\n")
}
