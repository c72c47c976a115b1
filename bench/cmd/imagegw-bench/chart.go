package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

var chartColors = map[string]string{"imagegw-hit": "#1b9e77", "imagegw-hit-notified": "#66a61e", "bare-echo": "#7570b3", "imagegw-miss": "#d95f02", "glance-direct": "#e7298a", "glance-paged": "#e6ab02", "nova-api": "#666666"}

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
	present := chartTargets(res)
	if len(present) == 0 {
		return errors.New("no runs to chart")
	}
	rps, lat := chartData(res, present)
	if err := os.WriteFile(filepath.Join(tmp, "rps.dat"), []byte(rps), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "lat.dat"), []byte(lat), 0o644); err != nil {
		return err
	}
	script := filepath.Join(tmp, "chart.gp")
	if err := os.WriteFile(script, []byte(chartScript(res, present, dir, tmp)), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command("gnuplot", script).CombinedOutput(); err != nil {
		return fmt.Errorf("gnuplot: %v: %s", err, out)
	}
	return nil
}

// chartTargets are the targets with a run at the main connection count.
func chartTargets(res *results) []string {
	var present []string
	for _, tg := range targets {
		for _, cs := range cases {
			if _, ok := res.run(tg, glanceOr(tg, cs), res.conns); ok {
				present = append(present, tg)
				break
			}
		}
	}
	return present
}

// chartData is the two data files: req/s per case, p50 per page size, a
// column per target present.
func chartData(res *results, present []string) (rps, lat string) {
	c := res.conns
	// no header lines: a histogram would count one as a (empty) row
	var rb strings.Builder
	for _, cs := range cases {
		rb.WriteString(cs)
		for _, tg := range present {
			if x, ok := res.run(tg, glanceOr(tg, cs), c); ok && x.RPS > 0 {
				rb.WriteString(" " + ff(x.RPS, 2))
			} else {
				rb.WriteString(" NaN")
			}
		}
		rb.WriteString("\n")
	}
	var lb strings.Builder
	for _, p := range pages {
		lb.WriteString(strings.TrimPrefix(p, "detail-"))
		for _, tg := range present {
			if x, ok := res.run(tg, p, c); ok && x.P50MS > 0 {
				lb.WriteString(" " + ff(x.P50MS, 4))
			} else {
				lb.WriteString(" NaN")
			}
		}
		lb.WriteString("\n")
	}
	return rb.String(), lb.String()
}

// chartScript is the gnuplot script drawing dir/chart.png from the data
// files in tmp.
func chartScript(res *results, present []string, dir, tmp string) string {
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
`, filepath.Join(dir, "chart.png"), runtime.NumCPU(), res.conns, res.text("duration"), res.text("date"))
	var plots []string
	for i, tg := range present {
		xt := ""
		if i == 0 {
			xt = ":xtic(1)"
		}
		plots = append(plots, fmt.Sprintf("%q using %d%s title %q lc rgb %q", filepath.Join(tmp, "rps.dat"), i+2, xt, tg, chartColors[tg]))
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
		plots = append(plots, fmt.Sprintf("%q using 1:%d title %q lw 2 pt 7 ps 1.2 lc rgb %q", filepath.Join(tmp, "lat.dat"), i+2, tg, chartColors[tg]))
	}
	gp.WriteString("plot " + strings.Join(plots, ", \\\n  ") + "\nunset multiplot\n")
	return gp.String()
}
