package main

import "fmt"

// mdReplicas is issue 17's section: what coordination through Redis
// costs a replica, and a fleet behind HAProxy against one imagegw.
func mdReplicas(w writef, res *results) {
	if !hasTarget(res, "imagegw-coordinated") {
		return
	}
	c := res.conns
	w("## Replicas coordinated through Redis (issue 17)\n\n%s\n\n", res.text("replicas-note"))
	w("| case | alone req/s | coordinated replica req/s | coordinated / alone | fleet of 3 via HAProxy req/s | fleet / alone |\n|---|---:|---:|---:|---:|---:|\n")
	for _, cs := range []string{"detail-50", "show"} {
		a, okA := res.run("imagegw-alone", cs, c)
		r, okR := res.run("imagegw-coordinated", cs, c)
		f, okF := res.run("fleet-haproxy", cs, c)
		w("| %s hit (%d conns) | %s | %s | %s | %s | %s |\n", cs, c, rpsCell(okA, a), rpsCell(okR, r),
			ratioCell(okA && okR, r.RPS/a.RPS), rpsCell(okF, f), ratioCell(okA && okF, f.RPS/a.RPS))
	}
	w("\n| case (1 connection) | alone p50 / p99 ms | coordinated p50 / p99 ms | p50 delta ms |\n|---|---:|---:|---:|\n")
	for _, row := range [][3]string{{"show miss (cache off)", "imagegw-miss-alone|show", "imagegw-miss-coordinated|show"},
		{"metadata PUT", "imagegw-alone|metadata-put", "imagegw-coordinated|metadata-put"}} {
		a, okA := res.runKey(row[1], 1)
		r, okR := res.runKey(row[2], 1)
		w("| %s | %s | %s | %s |\n", row[0], latCell(okA, a), latCell(okR, r), p50DeltaCell(okA && okR, a, r))
	}
	w("\nThe fleet shares this machine's 2 cores with HAProxy, Redis, Keystone, Glance and wrk: its ratio says what one loaded box gives, not what three machines would.\n\n")
}

// p50DeltaCell is the candidate's p50 minus the base's, in ms.
func p50DeltaCell(ok bool, base, cand Record) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%+.2f", cand.P50MS-base.P50MS)
}

// p50Target: the candidate's p50 at most limit ms above the base's.
func p50Target(name string, limit float64, known bool, base, cand Record) target {
	t := target{name: name, goal: fmt.Sprintf("<= +%g ms", limit), known: known}
	if known {
		d := cand.P50MS - base.P50MS
		t.ok, t.measured = d <= limit, fmt.Sprintf("%+.2f ms (%.2f vs %.2f)", d, cand.P50MS, base.P50MS)
	}
	return t
}

func rpsCell(ok bool, x Record) string {
	if !ok {
		return "–"
	}
	return num(x.RPS)
}

func latCell(ok bool, x Record) string {
	if !ok {
		return "–"
	}
	return ff(x.P50MS, 2) + " / " + ff(x.P99MS, 2)
}

// runKey is run with "target|case".
func (r *results) runKey(tc string, conns int) (Record, bool) {
	x, ok := r.runs[tc+"|"+fmt.Sprint(conns)]
	return x, ok
}

// replicasTargets: issue 17's performance goals.
func replicasTargets(res *results) []target {
	if !hasTarget(res, "imagegw-coordinated") {
		return nil
	}
	hit := target{name: "cache hit, coordinated replica vs alone (issue 17)", goal: ">= 0.8x req/s", ok: true}
	for _, cs := range []string{"detail-50", "show"} {
		a, okA := res.run("imagegw-alone", cs, res.conns)
		r, okR := res.run("imagegw-coordinated", cs, res.conns)
		if okA && okR && a.RPS > 0 {
			hit.known = true
			hit.ok = hit.ok && r.RPS/a.RPS >= 0.8
			hit.measured += fmt.Sprintf("%s %.2fx ", cs, r.RPS/a.RPS)
		}
	}
	out := []target{hit}
	for _, g := range []struct {
		name, alone, coord string
		limit              float64
	}{
		{"miss p50 overhead of coordination (show, 1 connection)", "imagegw-miss-alone|show", "imagegw-miss-coordinated|show", 1},
		{"write p50 with the fleet lease vs the local lock (metadata PUT, 1 connection)", "imagegw-alone|metadata-put", "imagegw-coordinated|metadata-put", 2},
	} {
		a, okA := res.runKey(g.alone, 1)
		r, okR := res.runKey(g.coord, 1)
		out = append(out, p50Target(g.name, g.limit, okA && okR, a, r))
	}
	return out
}
