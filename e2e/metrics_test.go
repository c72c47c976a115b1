//go:build e2e

package e2e

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

// metricSum adds up the series of metric name on an operator listener
// whose labels hold every one of labels (`result="miss"`); no t: it also
// runs in Eventually's goroutine. A failed scrape is NaN, which equals
// nothing and compares false, so it can never pass a check.
func metricSum(ops, name string, labels ...string) float64 {
	return sumIn(scrape(ops), name, labels...)
}

// scrape is one read of an operator listener's /metrics ("" on failure).
func scrape(ops string) string {
	status, body := rawGet(ops+"/metrics", "")
	if status != http.StatusOK {
		return ""
	}
	return body
}

// sumIn is metricSum over one scrape, so that several sums come from the
// same instant.
func sumIn(body, name string, labels ...string) float64 {
	if body == "" {
		return math.NaN()
	}
	sum := 0.0
lines:
	for _, line := range strings.Split(body, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		set, value, _ := strings.Cut(rest, " ")
		for _, l := range labels {
			if !strings.Contains(set, l) {
				continue lines
			}
		}
		v, _ := strconv.ParseFloat(value, 64)
		sum += v
	}
	return sum
}
