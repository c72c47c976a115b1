package main

import (
	"fmt"
	"math"
)

func mdThroughput(w writef, res *results) {
	c := res.conns
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
}

func mdUnloaded(w writef, res *results) {
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
}

func mdRatios(w writef, res *results) {
	c := res.conns
	w("## Ratios (%d connections)\n\n", c)
	w("| case | imagegw-hit / bare-echo (req/s) | imagegw-hit / bare-echo (server CPU per request) | imagegw-hit / nova-api (req/s) | imagegw-hit / imagegw-miss (req/s) | imagegw-miss − glance-direct p50 ms | imagegw-miss / glance-direct (req/s) | nova-api / imagegw-miss (p50) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, cs := range cases {
		h, okH := res.run("imagegw-hit", cs, c)
		bb, okB := res.run("bare-echo", cs, c)
		m, okM := res.run("imagegw-miss", cs, c)
		g, okG := res.run("glance-direct", glanceCase(cs), c)
		n, okN := res.run("nova-api", cs, c)
		delta := "–"
		if okM && okG {
			delta = fmt.Sprintf("%+.2f", m.P50MS-g.P50MS)
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s |\n", cs,
			ratioCell(okH && okB, h.RPS/bb.RPS), ratioCell(okH && okB && cpuPerRequest(bb) > 0, cpuPerRequest(h)/cpuPerRequest(bb)), ratioCell(okH && okN, h.RPS/n.RPS), ratioCell(okH && okM, h.RPS/m.RPS),
			delta, ratioCell(okM && okG, m.RPS/g.RPS), ratioCell(okN && okM, n.P50MS/m.P50MS))
	}
	w("\n")
}

// ratioCell is "–" when a run is missing or the ratio has no value
// (a zero divisor).
func ratioCell(ok bool, v float64) string {
	if !ok || math.IsInf(v, 0) || math.IsNaN(v) {
		return "–"
	}
	return num(v) + "x"
}

func mdGrowth(w writef, res *results) {
	c := res.conns
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
}
