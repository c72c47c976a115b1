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

// pagedConfig holds paged's flags.
type pagedConfig struct {
	base, token, target, cs string
	limit, page, c          int
	d                       time.Duration
}

// pagedStats is what the workers of one paged run add up.
type pagedStats struct {
	mu         sync.Mutex
	lat        []float64 // ms per successful sequence
	totalBytes int64
	calls      int
	failed     int
}

// paged measures Glance directly the way imagegw (like Nova's glanceclient)
// fetches one list page of a Nova client: Glance pages of -page images,
// each next one after the previous page's last id, until -limit images.
// One sample is the whole sequence. It prints a "run" record like wrk's.
func paged(args []string) error {
	cfg, err := parsePagedFlags(args)
	if err != nil {
		return err
	}
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.c, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	st := &pagedStats{}
	start := time.Now()
	runPagedWorkers(client, cfg, st, start.Add(cfg.d))
	el := time.Since(start).Seconds()
	raw, _ := json.Marshal(pagedRecord(cfg, st, el))
	fmt.Printf("BENCH_JSON %s\n", raw)
	return nil
}

func parsePagedFlags(args []string) (*pagedConfig, error) {
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
		return nil, errors.New("paged: -base and -case are required")
	}
	return &pagedConfig{
		base: *base, token: *token, target: *target, cs: *cs,
		limit: *limit, page: *page, c: *c, d: *d,
	}, nil
}

// runPagedWorkers runs cfg.c workers, each fetching whole sequences until
// deadline, and adds each sequence to st.
func runPagedWorkers(client *http.Client, cfg *pagedConfig, st *pagedStats, deadline time.Time) {
	var wg sync.WaitGroup
	for w := 0; w < cfg.c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				n, b, err := pagedSequence(client, cfg)
				ms := float64(time.Since(t0).Microseconds()) / 1000
				st.add(n, b, ms, err)
			}
		}()
	}
	wg.Wait()
}

func (st *pagedStats) add(calls int, bytes int64, ms float64, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.calls += calls
	st.totalBytes += bytes
	if err != nil {
		st.failed++
	} else {
		st.lat = append(st.lat, ms)
	}
}

// pagedSequence is one sample: Glance pages until cfg.limit images or a
// short page. A page counts as a call (and its bytes) once it is answered,
// even if it then fails.
func pagedSequence(client *http.Client, cfg *pagedConfig) (calls int, bytes int64, err error) {
	marker, got := "", 0
	for got < cfg.limit {
		want := min(cfg.page, cfg.limit-got)
		resp, err := pagedGet(client, cfg, want, marker)
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
		ids, err := pageIDs(resp.StatusCode, raw)
		if err != nil {
			return calls, bytes, err
		}
		got += len(ids)
		if len(ids) < want {
			break // no more images
		}
		marker = ids[len(ids)-1]
	}
	return calls, bytes, nil
}

// pagedGet asks Glance for one page of want images after marker.
func pagedGet(client *http.Client, cfg *pagedConfig, want int, marker string) (*http.Response, error) {
	q := url.Values{"limit": {strconv.Itoa(want)}}
	if marker != "" {
		q.Set("marker", marker)
	}
	req, _ := http.NewRequest(http.MethodGet, strings.TrimRight(cfg.base, "/")+"/v2/images?"+q.Encode(), nil)
	req.Header.Set("X-Auth-Token", cfg.token)
	return client.Do(req)
}

// pageIDs are the image ids of one answered Glance page.
func pageIDs(status int, raw []byte) ([]string, error) {
	if status != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", status)
	}
	var body struct {
		Images []struct {
			ID string `json:"id"`
		} `json:"images"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, err
	}
	ids := make([]string, len(body.Images))
	for i, im := range body.Images {
		ids[i] = im.ID
	}
	return ids, nil
}

// pagedRecord is the "run" record of st, in wrk's fields.
func pagedRecord(cfg *pagedConfig, st *pagedStats, el float64) map[string]any {
	lat := st.lat
	sort.Float64s(lat)
	pct := func(p float64) float64 { return quantile(lat, p/100) }
	var sum float64
	for _, x := range lat {
		sum += x
	}
	mean := 0.0
	if len(lat) > 0 {
		mean = sum / float64(len(lat))
	}
	return map[string]any{
		"kind": "run", "target": cfg.target, "case": cfg.cs, "connections": cfg.c,
		"requests": len(lat), "duration_s": el, "bytes": st.totalBytes, "rps": float64(len(lat)) / el,
		"mean_ms": mean, "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99), "max_ms": pct(100),
		"errors":            map[string]int{"connect": 0, "read": 0, "write": 0, "status": st.failed, "timeout": 0},
		"calls_per_request": float64(st.calls) / math.Max(1, float64(len(lat)+st.failed)),
	}
}
