package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
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

	// freshness (one kind of change made in Glance directly; P50MS..MaxMS
	// hold the time from Glance's answer to imagegw's first fresh answer)
	Trials      int64 `json:"trials,omitempty"`
	StaleReads  int64 `json:"stale_reads,omitempty"`
	StaleTrials int64 `json:"stale_trials,omitempty"`
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
	targets = []string{"imagegw-hit", "imagegw-hit-notified", "bare-echo", "imagegw-miss", "glance-direct", "glance-paged", "nova-api"}
	cases   = []string{"detail-50", "detail-500", "detail-1000", "show", "metadata"}
	pages   = []string{"detail-50", "detail-500", "detail-1000"}
)

type results struct {
	runs   map[string]Record // target|case|connections: the best round
	rounds map[string]int
	fills  map[string]Record
	facts  map[string]Record
	fresh  map[string]Record
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
	res := &results{runs: map[string]Record{}, rounds: map[string]int{}, fills: map[string]Record{}, facts: map[string]Record{}, fresh: map[string]Record{}}
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
		res.add(x)
	}
	return res, sc.Err()
}

func (r *results) add(x Record) {
	r.all = append(r.all, x)
	switch x.Kind {
	case "run":
		// a repeated run (BENCH_ROUNDS) keeps its best throughput:
		// interference from other work on the machine only slows a run down
		k := key(x.Target, x.Case, x.Connections)
		r.rounds[k]++
		if old, ok := r.runs[k]; !ok || x.RPS > old.RPS {
			r.runs[k] = x
		}
	case "fill":
		r.fills[x.Name] = x
	case "fact":
		r.facts[x.Name] = x
	case "freshness":
		r.fresh[x.Case+"|"+x.Name] = x
	}
}

func hasTarget(res *results, target string) bool {
	for _, x := range res.runs {
		if x.Target == target {
			return true
		}
	}
	return false
}

// glanceCase is the Glance call behind a case: metadata reads the image.
func glanceCase(c string) string {
	if c == "metadata" {
		return "show"
	}
	return c
}

// glanceOr maps a case to the run recorded for a target.
func glanceOr(target, c string) string {
	if target == "glance-direct" {
		return glanceCase(c)
	}
	return c
}
