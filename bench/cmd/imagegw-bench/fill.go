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

// fill sends n distinct cacheable GETs (url?<param>=<i>, the query is part
// of imagegw's cache key) with c concurrent keep-alive connections and one
// token, and prints a "fill" record.
func fill(args []string) error {
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
		return errors.New("fill: -url is required")
	}
	tr := &http.Transport{MaxIdleConns: *c, MaxIdleConnsPerHost: *c, MaxConnsPerHost: *c, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	var next, ok, bad, failed atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(*n) {
					return
				}
				sep := "?"
				if strings.Contains(*url, "?") {
					sep = "&"
				}
				req, _ := http.NewRequest(http.MethodGet, *url+sep+*param+"="+strconv.FormatInt(i, 10), nil)
				req.Header.Set("X-Auth-Token", *token)
				req.Header.Set("X-OpenStack-Nova-API-Version", *mv)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					bad.Add(1)
					firstErr.CompareAndSwap(nil, "HTTP "+resp.Status)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	rec := map[string]any{
		"kind": "fill", "name": *name, "requests": *n, "ok": ok.Load(), "non200": bad.Load(),
		"failed": failed.Load(), "connections": *c, "duration_s": el.Seconds(),
		"rps": float64(*n) / el.Seconds(),
	}
	if e := firstErr.Load(); e != nil {
		rec["first_error"] = e
	}
	raw, _ := json.Marshal(rec)
	fmt.Printf("BENCH_JSON %s\n", raw)
	if ok.Load() == 0 {
		return errors.New("fill: no request succeeded")
	}
	return nil
}
