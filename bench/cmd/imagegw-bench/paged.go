package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// paged measures Glance directly the way imagegw (like Nova's glanceclient)
// fetches one list page of a Nova client: Glance pages of -page images,
// each next one after the previous page's last id, until -limit images.
// One sample is the whole sequence. It prints a "run" record like wrk's.
func paged(args []string) error {
	fs := flag.NewFlagSet("paged", flag.ExitOnError)
	base := fs.String("base", "", "Glance URL, e.g. http://127.0.0.1:49292")
	token := fs.String("token", "", "X-Auth-Token")
	limit := fs.Int("limit", 500, "images wanted (the Nova client's limit)")
	page := fs.Int("page", 200, "Glance page size")
	c := fs.Int("c", 1, "concurrent sequences")
	d := fs.Duration("d", 10*time.Second, "duration")
	target := fs.String("target", "glance-paged", "target name of the record")
	cs := fs.String("case", "", "case name of the record")
	_ = fs.Parse(args)
	if *base == "" || *cs == "" {
		return errors.New("paged: -base and -case are required")
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *c, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}

	one := func() (calls int, bytes int64, err error) {
		marker, got := "", 0
		for got < *limit {
			want := min(*page, *limit-got)
			q := url.Values{"limit": {strconv.Itoa(want)}}
			if marker != "" {
				q.Set("marker", marker)
			}
			req, _ := http.NewRequest(http.MethodGet, strings.TrimRight(*base, "/")+"/v2/images?"+q.Encode(), nil)
			req.Header.Set("X-Auth-Token", *token)
			resp, err := client.Do(req)
			if err != nil {
				return calls, bytes, err
			}
			raw, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			calls++
			bytes += int64(len(raw))
			if err != nil {
				return calls, bytes, err
			}
			if resp.StatusCode != http.StatusOK {
				return calls, bytes, fmt.Errorf("HTTP %d", resp.StatusCode)
			}
			var body struct {
				Images []struct {
					ID string `json:"id"`
				} `json:"images"`
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				return calls, bytes, err
			}
			got += len(body.Images)
			if len(body.Images) < want {
				break // no more images
			}
			marker = body.Images[len(body.Images)-1].ID
		}
		return calls, bytes, nil
	}

	var mu sync.Mutex
	var lat []float64
	var totalBytes int64
	var calls, failed int
	start := time.Now()
	deadline := start.Add(*d)
	var wg sync.WaitGroup
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				n, b, err := one()
				ms := float64(time.Since(t0).Microseconds()) / 1000
				mu.Lock()
				calls += n
				totalBytes += b
				if err != nil {
					failed++
				} else {
					lat = append(lat, ms)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	sort.Float64s(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(math.Ceil(p/100*float64(len(lat)))) - 1
		return lat[max(0, min(i, len(lat)-1))]
	}
	var sum float64
	for _, x := range lat {
		sum += x
	}
	mean := 0.0
	if len(lat) > 0 {
		mean = sum / float64(len(lat))
	}
	rec := map[string]any{
		"kind": "run", "target": *target, "case": *cs, "connections": *c,
		"requests": len(lat), "duration_s": el, "bytes": totalBytes, "rps": float64(len(lat)) / el,
		"mean_ms": mean, "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99), "max_ms": pct(100),
		"errors":            map[string]int{"connect": 0, "read": 0, "write": 0, "status": failed, "timeout": 0},
		"calls_per_request": float64(calls) / math.Max(1, float64(len(lat)+failed)),
	}
	raw, _ := json.Marshal(rec)
	fmt.Printf("BENCH_JSON %s\n", raw)
	return nil
}
