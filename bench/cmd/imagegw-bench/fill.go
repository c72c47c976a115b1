package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fillConfig holds fill's flags.
type fillConfig struct {
	url, token, mv, param, name string
	n, c                        int
}

// fillCounts is what fill's workers add up.
type fillCounts struct {
	next, ok, bad, failed atomic.Int64
	firstErr              atomic.Value // string: the first failure, for the record
}

// fill sends n distinct cacheable GETs (url?<param>=<i>, the query is part
// of imagegw's cache key) with c concurrent keep-alive connections and one
// token, and prints a "fill" record.
func fill(args []string) error {
	cfg, err := parseFillFlags(args)
	if err != nil {
		return err
	}
	tr := &http.Transport{MaxIdleConns: cfg.c, MaxIdleConnsPerHost: cfg.c, MaxConnsPerHost: cfg.c, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	cnt := &fillCounts{}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < cfg.c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fillWorker(client, cfg, cnt)
		}()
	}
	wg.Wait()
	el := time.Since(start)
	raw, _ := json.Marshal(fillRecord(cfg, cnt, el))
	fmt.Printf("BENCH_JSON %s\n", raw)
	if cnt.ok.Load() == 0 {
		return errors.New("fill: no request succeeded")
	}
	return nil
}

func parseFillFlags(args []string) (*fillConfig, error) {
	fs := flag.NewFlagSet("fill", flag.ExitOnError)
	url := fs.String("url", "", "request URL without query")
	n := fs.Int("n", 100000, "distinct requests")
	c := fs.Int("c", 8, "concurrent connections")
	token := fs.String("token", "", "X-Auth-Token (one token: imagegw caches its validation)")
	mv := fs.String("microversion", "2.35", "X-OpenStack-Nova-API-Version")
	param := fs.String("param", "x", "query parameter carrying the index")
	name := fs.String("name", "fill", "name of the record")
	_ = fs.Parse(args)
	if *url == "" {
		return nil, errors.New("fill: -url is required")
	}
	return &fillConfig{url: *url, token: *token, mv: *mv, param: *param, name: *name, n: *n, c: *c}, nil
}

// fillWorker sends the next unsent index until all cfg.n are taken.
func fillWorker(client *http.Client, cfg *fillConfig, cnt *fillCounts) {
	for {
		i := cnt.next.Add(1) - 1
		if i >= int64(cfg.n) {
			return
		}
		sep := "?"
		if strings.Contains(cfg.url, "?") {
			sep = "&"
		}
		req, _ := http.NewRequest(http.MethodGet, cfg.url+sep+cfg.param+"="+strconv.FormatInt(i, 10), nil)
		req.Header.Set("X-Auth-Token", cfg.token)
		req.Header.Set("X-OpenStack-Nova-API-Version", cfg.mv)
		resp, err := client.Do(req)
		if err != nil {
			cnt.failed.Add(1)
			cnt.firstErr.CompareAndSwap(nil, err.Error())
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			cnt.ok.Add(1)
		} else {
			cnt.bad.Add(1)
			cnt.firstErr.CompareAndSwap(nil, "HTTP "+resp.Status)
		}
	}
}

// fillRecord is the "fill" record of one run that took el.
func fillRecord(cfg *fillConfig, cnt *fillCounts, el time.Duration) map[string]any {
	rec := map[string]any{
		"kind": "fill", "name": cfg.name, "requests": cfg.n, "ok": cnt.ok.Load(), "non200": cnt.bad.Load(),
		"failed": cnt.failed.Load(), "connections": cfg.c, "duration_s": el.Seconds(),
		"rps": float64(cfg.n) / el.Seconds(),
	}
	if e := cnt.firstErr.Load(); e != nil {
		rec["first_error"] = e
	}
	return rec
}
