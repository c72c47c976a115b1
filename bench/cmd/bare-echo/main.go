// Command bare-echo serves fixed responses captured from imagegw (or
// Glance) with a bare Echo handler: no middleware, no auth, no logging, no
// cache lookup beyond one map read. It is the floor of imagegw's cache-hit
// path on this machine ("what Echo + net/http cost for the same bytes"), and
// doubles as a fast Glance stub for the 100k-entry memory fill.
//
//	bare-echo -listen 127.0.0.1:48802 -manifest DIR/manifest.json
//
// The manifest is written by `imagegw-bench capture`: a list of responses,
// each matched on the request URI exactly (path and query as sent) or, when
// "prefix" is set, on the path prefix.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"
)

// Response is one captured answer.
type Response struct {
	URI      string              `json:"uri"`
	Prefix   bool                `json:"prefix,omitempty"`
	Status   int                 `json:"status"`
	Headers  map[string][]string `json:"headers"`
	BodyFile string              `json:"body_file"`
}

type entry struct {
	status int
	header http.Header
	body   []byte
}

func main() {
	listen := flag.String("listen", "127.0.0.1:48802", "listen address")
	manifest := flag.String("manifest", "", "manifest.json written by imagegw-bench capture")
	flag.Parse()
	exact, prefixes, err := load(*manifest)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare-echo:", err)
		os.Exit(1)
	}
	prefixKeys := make([]string, 0, len(prefixes))
	for p := range prefixes {
		prefixKeys = append(prefixKeys, p)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Any("/*", func(c echo.Context) error {
		r := c.Request()
		x, ok := exact[r.RequestURI]
		if !ok {
			for _, p := range prefixKeys {
				if strings.HasPrefix(r.URL.Path, p) {
					x, ok = prefixes[p], true
					break
				}
			}
		}
		if !ok {
			return c.NoContent(http.StatusNotFound)
		}
		h := c.Response().Header()
		for k, v := range x.header {
			h[k] = v
		}
		c.Response().WriteHeader(x.status)
		_, err := c.Response().Write(x.body)
		return err
	})
	fmt.Fprintf(os.Stderr, "bare-echo: %d exact + %d prefix responses on %s\n", len(exact), len(prefixes), *listen)
	if err := e.Start(*listen); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "bare-echo:", err)
		os.Exit(1)
	}
}

func load(path string) (exact, prefixes map[string]*entry, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var rs []Response
	if err := json.Unmarshal(raw, &rs); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	exact, prefixes = map[string]*entry{}, map[string]*entry{}
	for _, r := range rs {
		bf := r.BodyFile
		if !filepath.IsAbs(bf) {
			bf = filepath.Join(filepath.Dir(path), bf)
		}
		body, err := os.ReadFile(bf)
		if err != nil {
			return nil, nil, err
		}
		x := &entry{status: r.Status, header: http.Header(r.Headers), body: body}
		if r.Prefix {
			prefixes[r.URI] = x
		} else {
			exact[r.URI] = x
		}
	}
	return exact, prefixes, nil
}
