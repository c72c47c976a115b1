package main

import (
	"math"
	"strconv"
)

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

func mbBytes(v float64) string {
	if v == 0 {
		return "n/a"
	}
	return ff(v/1024/1024, 1) + " MB"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// quantile is the nearest-rank q-quantile (0 < q <= 1) of sorted xs (0
// when empty): wrk's percentiles read the same way.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[max(0, min(i, len(xs)-1))]
}
