package main

import "fmt"

// mdPassThrough is issue 18's section: GET /v2.1/flavors from nova-api
// directly and through imagegw in front of it.
func mdPassThrough(w writef, res *results) {
	if !hasTarget(res, "imagegw-front") {
		return
	}
	w("## Pass-through to nova-api (issue 18)\n\n%s\n\n", res.text("passthrough-note"))
	w("| connections | nova-api direct req/s | through imagegw req/s | ratio | direct p50 / p99 ms | through imagegw p50 / p99 ms | p50 delta ms |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range []int{1, res.conns} {
		n, okN := res.run("nova-direct", "flavors", c)
		g, okG := res.run("imagegw-front", "flavors", c)
		w("| %d | %s | %s | %s | %s | %s | %s |\n", c, rpsCell(okN, n), rpsCell(okG, g),
			ratioCell(okN && okG, g.RPS/n.RPS), latCell(okN, n), latCell(okG, g), p50DeltaCell(okN && okG, n, g))
	}
	w("\n")
}

// passThroughTargets: issue 18's goals, p50 overhead at 1 connection and
// throughput at the main runs' connections.
func passThroughTargets(res *results) []target {
	if !hasTarget(res, "imagegw-front") {
		return nil
	}
	n1, ok1 := res.run("nova-direct", "flavors", 1)
	g1, okG1 := res.run("imagegw-front", "flavors", 1)
	lat := p50Target("pass-through p50 overhead (GET /v2.1/flavors, 1 connection)", 1, ok1 && okG1, n1, g1)
	n, okN := res.run("nova-direct", "flavors", res.conns)
	g, okG := res.run("imagegw-front", "flavors", res.conns)
	rps := target{name: fmt.Sprintf("pass-through throughput (GET /v2.1/flavors, %d connections)", res.conns), goal: ">= 0.95x nova-api direct",
		known: okN && okG && n.RPS > 0}
	if rps.known {
		rps.ok, rps.measured = g.RPS/n.RPS >= 0.95, fmt.Sprintf("%.2fx (%.0f vs %.0f req/s)", g.RPS/n.RPS, g.RPS, n.RPS)
	}
	return []target{lat, rps}
}
