package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"
)

func writeJSON(res *results, path string) error {
	raw, err := json.MarshalIndent(map[string]any{"generated": time.Now().UTC().Format(time.RFC3339), "records": res.all}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

func writeCSV(res *results, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	_ = w.Write([]string{"target", "case", "connections", "url", "requests", "duration_s", "rps", "mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms", "bytes_per_response", "errors", "load1", "server_cpu_ms", "server_cpu_us_per_request"})
	keys := make([]string, 0, len(res.runs))
	for k := range res.runs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return orderKey(res.runs[keys[i]]) < orderKey(res.runs[keys[j]]) })
	for _, k := range keys {
		x := res.runs[k]
		_ = w.Write([]string{x.Target, x.Case, strconv.Itoa(x.Connections), x.URL, strconv.FormatInt(x.Requests, 10),
			ff(x.DurationS, 3), ff(x.RPS, 2), ff(x.MeanMS, 3), ff(x.P50MS, 3), ff(x.P90MS, 3), ff(x.P99MS, 3), ff(x.MaxMS, 3),
			strconv.FormatInt(perResponse(x), 10), strconv.FormatInt(x.errCount(), 10), ff(x.Load1, 2),
			ff(x.ServerCPUMS, 0), ff(cpuPerRequest(x), 1)})
	}
	w.Flush()
	return w.Error()
}

func orderKey(x Record) string {
	return fmt.Sprintf("%d-%d-%06d", indexIn(cases, x.Case), indexIn(targets, x.Target), 999999-x.Connections)
}

func indexIn(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return len(list)
}
