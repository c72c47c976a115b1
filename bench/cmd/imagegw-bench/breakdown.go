package main

import (
	"fmt"
	"strconv"
	"strings"
)

// stage is one row of the hit path's CPU breakdown: the inclusive shares
// of the include symbols, summed, minus those of the exclude symbols (for
// "itself": the next step a middleware calls). A symbol is matched as a
// substring of perf's symbol names, the largest share counting, so it can
// leave out the module path and still name one frame.
type stage struct {
	label   string
	include []string
	exclude []string
}

// stages is the breakdown, in report order. Symbols of imagegw's own
// packages are checked against the code by TestStageSymbolsAreDeclared;
// the others must be listed in externalSymbols.
var stages = []stage{
	{"net/http connection loop (everything below + reading requests)", []string{"net/http.(*conn).serve"}, nil},
	{"… reading and parsing the request", []string{"net/http.(*conn).readRequest"}, nil},
	{"… flushing the response (write syscall on loopback)", []string{"net/http.(*response).finishRequest"}, nil},
	{"… imagegw's handler chain (Echo, middleware, cache hit)", []string{"proxy.(*Server).ServeHTTP"}, nil},
	{"… … requestLog itself (request id, log line, metrics)", []string{"proxy.(*Server).requestLog"}, []string{"proxy.(*Server).recoverPanic"}},
	{"… … … of which zap's log line (JSON encode + write(2) to the log file)", []string{"zapcore.(*CheckedEntry).Write"}, nil},
	{"… … … of which newRequestID (request id)", []string{"proxy.newRequestID"}, nil},
	{"… … … of which Prometheus (label lookups, counters, histogram)", []string{
		"prometheus.(*CounterVec).WithLabelValues", "prometheus.(*HistogramVec).WithLabelValues",
		"prometheus.(*histogram).Observe", "prometheus.(*counter).Inc"}, nil},
	{"… … … of which the migration report (per-request map update under a mutex)", []string{"proxy.(*migrationReport).record"}, nil},
	{"… … auth itself (token cache lookup)", []string{"proxy.(*Server).auth"}, []string{"proxy.(*Server).versions"}},
	{"… … versions itself (microversion negotiation, headers)", []string{"proxy.(*Server).versions"}, []string{"echo/v4.(*Echo).add.func1"}},
	// The read closures are named after where read is inlined (New, a
	// route table's init …): "(*Server).read." matches them all.
	{"… … the cached read (key, lookup, write body)", []string{"(*Server).read."}, nil},
	{"garbage collector (background mark)", []string{"runtime.gcBgMarkWorker"}, nil},
	{"allocation (runtime.mallocgc, all callers)", []string{"runtime.mallocgc"}, nil},
}

// externalSymbols are the stage symbols of other modules (the standard
// library, the Go runtime, Echo, zap, Prometheus). The symbol test does not
// check them: they change only when a dependency or Go is upgraded, and a
// profile then shows the row as not found.
var externalSymbols = []string{
	"net/http.(*conn).serve",
	"net/http.(*conn).readRequest",
	"net/http.(*response).finishRequest",
	"zapcore.(*CheckedEntry).Write",
	"prometheus.(*CounterVec).WithLabelValues",
	"prometheus.(*HistogramVec).WithLabelValues",
	"prometheus.(*histogram).Observe",
	"prometheus.(*counter).Inc",
	"echo/v4.(*Echo).add.func1",
	"runtime.gcBgMarkWorker",
	"runtime.mallocgc",
}

// stageRow is a stage measured in one profile.
type stageRow struct {
	label   string
	v       float64
	ok      bool
	missing []string // symbols not in the profile
}

// measure is ok when an include symbol and every exclude symbol are in
// the profile.
func (st stage) measure(incl map[string]float64) stageRow {
	r := stageRow{label: st.label}
	found, allExcluded := false, true
	for _, sym := range st.include {
		if v, ok := findSymbol(incl, sym); ok {
			r.v, found = r.v+v, true
		} else {
			r.missing = append(r.missing, sym)
		}
	}
	for _, sym := range st.exclude {
		if v, ok := findSymbol(incl, sym); ok {
			r.v -= v
		} else {
			r.missing, allExcluded = append(r.missing, sym), false
		}
	}
	r.ok = found && allExcluded
	return r
}

// inclusiveShares reads perf's inclusive (children) lines
// "  23.43%     0.00%  [.] symbol": symbol -> first share seen.
func inclusiveShares(profile string) map[string]float64 {
	incl := map[string]float64{}
	for _, l := range strings.Split(profile, "\n") {
		f := strings.Fields(l)
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
	return incl
}

// findSymbol is the largest share of the symbols containing sym.
func findSymbol(incl map[string]float64, sym string) (float64, bool) {
	best, found := 0.0, false
	for name, v := range incl {
		if strings.Contains(name, sym) && v > best {
			best, found = v, true
		}
	}
	return best, found
}

// breakdown summarises the perf inclusive (children) view of the hit path:
// the share of imagegw's CPU samples per stage of a request. Nothing is
// written when no stage is in the profile.
func breakdown(w writef, profile string) {
	incl := inclusiveShares(profile)
	rows := make([]stageRow, 0, len(stages))
	anyFound := false
	for _, st := range stages {
		r := st.measure(incl)
		rows = append(rows, r)
		anyFound = anyFound || r.ok
	}
	if !anyFound {
		return
	}
	w("## Where the hit path's CPU goes (perf, show hit, live binary)\n\n")
	w("Inclusive share of imagegw's CPU samples (user + kernel) per stage, from `perf record -g` on the cache-on imagegw during a show-hit wrk run; \"itself\" = a middleware minus the next one it calls; – = not among the recorded frames.\n\n")
	w("| stage | share of imagegw CPU |\n|---|---:|\n")
	for _, r := range rows {
		if r.ok {
			w("| %s | %.1f%% |\n", r.label, r.v)
		} else {
			w("| %s | %s |\n", r.label, notInProfile(r.missing))
		}
	}
	w("\n")
}

// notInProfile names the symbols a row lacks: a stage renamed in the code
// shows here rather than as a bare dash.
func notInProfile(missing []string) string {
	what := "symbol"
	if len(missing) > 1 {
		what = "symbols"
	}
	return fmt.Sprintf("– (%s not in profile: `%s`)", what, strings.Join(missing, "`, `"))
}
