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

// capture fetches each URI from base once and records status, headers
// (without Date) and body for bare-echo. With -prefix the single URI's
// answer is served for every path under the prefix (a Glance stub).
func capture(args []string) error {
	fs := flag.NewFlagSet("capture", flag.ExitOnError)
	base := fs.String("base", "", "base URL, e.g. http://127.0.0.1:48800")
	token := fs.String("token", "", "X-Auth-Token")
	mv := fs.String("microversion", "", "X-OpenStack-Nova-API-Version")
	out := fs.String("out", "", "directory of manifest.json and the bodies")
	prefix := fs.String("prefix", "", "serve the (single) URI's answer for every path under this prefix")
	as := fs.String("as", "", "record the (single) URI's answer under this URI instead")
	_ = fs.Parse(args)
	if *base == "" || *out == "" || fs.NArg() == 0 {
		return errors.New("capture: -base, -out and at least one URI are required")
	}
	if (*prefix != "" || *as != "") && fs.NArg() != 1 {
		return errors.New("capture: -prefix and -as take exactly one URI")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	mpath := filepath.Join(*out, "manifest.json")
	var entries []manifestEntry
	if raw, err := os.ReadFile(mpath); err == nil {
		if err := json.Unmarshal(raw, &entries); err != nil {
			return fmt.Errorf("%s: %w", mpath, err)
		}
	}
	client := &http.Client{Timeout: 60 * time.Second}
	for _, uri := range fs.Args() {
		req, err := http.NewRequest(http.MethodGet, strings.TrimRight(*base, "/")+uri, nil)
		if err != nil {
			return err
		}
		if *token != "" {
			req.Header.Set("X-Auth-Token", *token)
		}
		if *mv != "" {
			req.Header.Set("X-OpenStack-Nova-API-Version", *mv)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("capture %s: HTTP %d: %.200s", uri, resp.StatusCode, body)
		}
		h := map[string][]string{}
		for k, v := range resp.Header {
			if k != "Date" {
				h[k] = v
			}
		}
		key := uri
		if *as != "" {
			key = *as
		}
		if *prefix != "" {
			key = *prefix
		}
		e := manifestEntry{URI: key, Prefix: *prefix != "", Status: resp.StatusCode, Headers: h}
		i := indexOf(entries, e)
		if i < 0 {
			entries = append(entries, e)
			i = len(entries) - 1
		}
		e.BodyFile = fmt.Sprintf("body-%02d.bin", i)
		entries[i] = e
		if err := os.WriteFile(filepath.Join(*out, e.BodyFile), body, 0o644); err != nil {
			return err
		}
		fmt.Printf("captured %s -> %s (%d bytes)\n", uri, e.BodyFile, len(body))
	}
	raw, _ := json.MarshalIndent(entries, "", "  ")
	return os.WriteFile(mpath, append(raw, '\n'), 0o644)
}

func indexOf(entries []manifestEntry, e manifestEntry) int {
	for i, x := range entries {
		if x.URI == e.URI && x.Prefix == e.Prefix {
			return i
		}
	}
	return -1
}
