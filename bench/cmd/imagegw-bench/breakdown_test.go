package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// perfLines is perf's inclusive view, a line per symbol and share.
func perfLines(shares map[string]float64) string {
	var b strings.Builder
	for sym, v := range shares {
		fmt.Fprintf(&b, "    %.2f%%     0.10%%  [.] %s\n", v, sym)
	}
	return b.String()
}

func renderBreakdown(profile string) string {
	var b strings.Builder
	breakdown(func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }, profile)
	return b.String()
}

func TestBreakdown(t *testing.T) {
	const mod = "github.com/imagegw/imagegw/"
	full := map[string]float64{
		"net/http.(*conn).serve":                                                       77.61,
		mod + "proxy.(*Server).requestLog":                                             15.82,
		mod + "proxy.(*Server).requestLogX":                                            1, // a longer name: the largest share counts
		mod + "proxy.(*Server).recoverPanic":                                           7.43,
		mod + "proxy.newRequestID":                                                     0.42,
		mod + "proxy.(*Server).auth":                                                   7.17,
		mod + "proxy.(*Server).versions":                                               4.65,
		"github.com/labstack/echo/v4.(*Echo).add.func1":                                3.86,
		"github.com/prometheus/client_golang/prometheus.(*CounterVec).WithLabelValues": 0.67,
		"github.com/prometheus/client_golang/prometheus.(*counter).Inc":                0.2,
		mod + "proxy.init.func10.(*Server).read.1":                                     3.06,
		mod + "proxy.init.func10.(*Server).read.1.1":                                   2.5,
	}
	noVersions := map[string]float64{}
	for k, v := range full {
		if !strings.HasSuffix(k, "versions") {
			noVersions[k] = v
		}
	}
	tests := []struct {
		name     string
		profile  string
		contains []string
	}{
		{"shares", perfLines(full), []string{
			"| net/http connection loop (everything below + reading requests) | 77.6% |\n",
			"| … … requestLog itself (request id, log line, metrics) | 8.4% |\n",
			"| … … … of which newRequestID (request id) | 0.4% |\n",
			"| … … … of which Prometheus (label lookups, counters, histogram) | 0.9% |\n",
			"| … … auth itself (token cache lookup) | 2.5% |\n",
			"| … … versions itself (microversion negotiation, headers) | 0.8% |\n",
			"| … … the cached read (key, lookup, write body) | 3.1% |\n",
			"| … reading and parsing the request | – (symbol not in profile: `net/http.(*conn).readRequest`) |\n",
		}},
		{"a stage's next step missing", perfLines(noVersions), []string{
			"| … … auth itself (token cache lookup) | – (symbol not in profile: `proxy.(*Server).versions`) |\n",
			"| … … versions itself (microversion negotiation, headers) | – (symbol not in profile: `proxy.(*Server).versions`) |\n",
		}},
		{"every symbol missing", perfLines(map[string]float64{"runtime.mallocgc": 4.86}), []string{
			"| allocation (runtime.mallocgc, all callers) | 4.9% |\n",
			"| … … … of which Prometheus (label lookups, counters, histogram) | – (symbols not in profile: `prometheus.(*CounterVec).WithLabelValues`, `prometheus.(*HistogramVec).WithLabelValues`, `prometheus.(*histogram).Observe`, `prometheus.(*counter).Inc`) |\n",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			md := renderBreakdown(tc.profile)
			require.True(t, strings.HasPrefix(md, "## Where the hit path's CPU goes (perf, show hit, live binary)\n\n"), md)
			require.Equal(t, len(stages)+1, strings.Count(md, "\n| "), md) // and the header
			for _, s := range tc.contains {
				require.Contains(t, md, s)
			}
		})
	}
}

func TestBreakdownWithoutAnyStage(t *testing.T) {
	for _, profile := range []string{"", "perf record …\n    35.11%  [k] pvm_irq_enable\n", perfLines(map[string]float64{"main.other": 3})} {
		require.Empty(t, renderBreakdown(profile))
	}
}

func TestInclusiveShares(t *testing.T) {
	profile := "self time:\n    35.11%  [k] pvm_irq_enable\n" +
		"    77.61%     0.34%  [.] net/http.(*conn).serve\n" +
		"    10.00%     0.34%  [.] net/http.(*conn).serve\n" + // the first line counts
		"     1.50%     0.00%  [k] do_syscall_64\n" +
		"      x%     0.00%  [.] bad\n"
	require.Equal(t, map[string]float64{"net/http.(*conn).serve": 77.61, "do_syscall_64": 1.5}, inclusiveShares(profile))
}
