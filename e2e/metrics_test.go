//go:build e2e

package e2e

import (
	"strconv"
	"strings"
)

// metricSum adds up the series of metric name on an operator listener
// whose labels hold every one of labels (`result="miss"`); no t: it also
// runs in Eventually's goroutine.
func metricSum(ops, name string, labels ...string) float64 {
	_, body := rawGet(ops+"/metrics", "")
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
