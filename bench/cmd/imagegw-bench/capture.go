package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// manifestEntry mirrors bare-echo's Response.
type manifestEntry struct {
	URI      string              `json:"uri"`
	Prefix   bool                `json:"prefix,omitempty"`
	Status   int                 `json:"status"`
	Headers  map[string][]string `json:"headers"`
	BodyFile string              `json:"body_file"`
}

// captureConfig holds capture's flags; uris are its arguments.
type captureConfig struct {
	base, token, mv, out, prefix, as string
	uris                             []string
}

// capture fetches each URI from base once and records status, headers
// (without Date) and body for bare-echo. With -prefix the single URI's
// answer is served for every path under the prefix (a Glance stub).
func capture(args []string) error {
	cfg, err := parseCaptureFlags(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	mpath := filepath.Join(cfg.out, "manifest.json")
	entries, err := loadManifest(mpath)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 60 * time.Second}
	for _, uri := range cfg.uris {
		resp, body, err := captureGet(client, cfg, uri)
		if err != nil {
			return err
		}
		if entries, err = captureSave(cfg, entries, uri, resp, body); err != nil {
			return err
		}
	}
	raw, _ := json.MarshalIndent(entries, "", "  ")
	return os.WriteFile(mpath, append(raw, '\n'), 0o644)
}

func parseCaptureFlags(args []string) (*captureConfig, error) {
	fs := flag.NewFlagSet("capture", flag.ExitOnError)
	base := fs.String("base", "", "base URL, e.g. http://127.0.0.1:48800")
	token := fs.String("token", "", "X-Auth-Token")
	mv := fs.String("microversion", "", "X-OpenStack-Nova-API-Version")
	out := fs.String("out", "", "directory of manifest.json and the bodies")
	prefix := fs.String("prefix", "", "serve the (single) URI's answer for every path under this prefix")
	as := fs.String("as", "", "record the (single) URI's answer under this URI instead")
	_ = fs.Parse(args)
	if *base == "" || *out == "" || fs.NArg() == 0 {
		return nil, errors.New("capture: -base, -out and at least one URI are required")
	}
	if (*prefix != "" || *as != "") && fs.NArg() != 1 {
		return nil, errors.New("capture: -prefix and -as take exactly one URI")
	}
	return &captureConfig{
		base: *base, token: *token, mv: *mv, out: *out, prefix: *prefix, as: *as,
		uris: fs.Args(),
	}, nil
}

// loadManifest reads the entries captured so far, none if there is no
// manifest yet: capture adds to it.
func loadManifest(mpath string) ([]manifestEntry, error) {
	var entries []manifestEntry
	if raw, err := os.ReadFile(mpath); err == nil {
		if err := json.Unmarshal(raw, &entries); err != nil {
			return nil, fmt.Errorf("%s: %w", mpath, err)
		}
	}
	return entries, nil
}

// captureGet fetches uri once; anything but 200 is an error.
func captureGet(client *http.Client, cfg *captureConfig, uri string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, strings.TrimRight(cfg.base, "/")+uri, nil)
	if err != nil {
		return nil, nil, err
	}
	if cfg.token != "" {
		req.Header.Set("X-Auth-Token", cfg.token)
	}
	if cfg.mv != "" {
		req.Header.Set("X-OpenStack-Nova-API-Version", cfg.mv)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("capture %s: HTTP %d: %.200s", uri, resp.StatusCode, body)
	}
	return resp, body, nil
}

// captureSave records uri's answer in entries (replacing an earlier
// capture of the same key) and writes its body file.
func captureSave(cfg *captureConfig, entries []manifestEntry, uri string, resp *http.Response, body []byte) ([]manifestEntry, error) {
	h := map[string][]string{}
	for k, v := range resp.Header {
		if k != "Date" {
			h[k] = v
		}
	}
	key := uri
	if cfg.as != "" {
		key = cfg.as
	}
	if cfg.prefix != "" {
		key = cfg.prefix
	}
	e := manifestEntry{URI: key, Prefix: cfg.prefix != "", Status: resp.StatusCode, Headers: h}
	i := indexOf(entries, e)
	if i < 0 {
		entries = append(entries, e)
		i = len(entries) - 1
	}
	e.BodyFile = fmt.Sprintf("body-%02d.bin", i)
	entries[i] = e
	if err := os.WriteFile(filepath.Join(cfg.out, e.BodyFile), body, 0o644); err != nil {
		return nil, err
	}
	fmt.Printf("captured %s -> %s (%d bytes)\n", uri, e.BodyFile, len(body))
	return entries, nil
}

func indexOf(entries []manifestEntry, e manifestEntry) int {
	for i, x := range entries {
		if x.URI == e.URI && x.Prefix == e.Prefix {
			return i
		}
	}
	return -1
}
