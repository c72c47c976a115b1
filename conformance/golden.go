package conformance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// GoldenCase is one golden file: the case, the request as sent (normalised)
// and the normalised response.
type GoldenCase struct {
	Name     string        `json:"name"`
	Route    string        `json:"route"`
	MV       string        `json:"mv"`
	Request  GoldenRequest `json:"request"`
	Response Normalized    `json:"response"`
}

// GoldenRequest is the request part of a golden file.
type GoldenRequest struct {
	Method       string   `json:"method"`
	PathTemplate string   `json:"path_template"`
	Path         string   `json:"path"`
	User         string   `json:"user"`
	Headers      []Header `json:"headers,omitempty"`
	// Body as sent; bodies over maxRecordedBody are summarised.
	Body *string `json:"body,omitempty"`
}

// GoldenIndex is testdata/golden/index.json.
type GoldenIndex struct {
	Recording RecordingInfo `json:"recording"`
	Count     int           `json:"count"`
	Cases     []IndexEntry  `json:"cases"`
}

// RecordingInfo says where the golden answers come from.
type RecordingInfo struct {
	Server          string `json:"server"`
	NovaVersion     string `json:"nova_version"`
	MaxMicroversion string `json:"max_microversion"`
	Target          string `json:"target"`
	Date            string `json:"date"`
	Tool            string `json:"tool"`
}

// IndexEntry names one case and its file, in matrix order.
type IndexEntry struct {
	Name  string `json:"name"`
	Route string `json:"route"`
	MV    string `json:"mv"`
	File  string `json:"file"`
}

const maxRecordedBody = 4096

// IndexFile is the name of the index in a golden directory.
const IndexFile = "index.json"

// Golden builds the golden record of an exchange, normalised with n.
func Golden(ex *Exchange, n *Normalizer) GoldenCase {
	g := GoldenCase{
		Name: ex.Case.Name, Route: ex.Case.Route, MV: ex.Case.MV,
		Request: GoldenRequest{
			Method: ex.Request.Method, PathTemplate: ex.Request.PathTemplate,
			Path: n.String(ex.Request.Path), User: ex.Request.User,
		},
		Response: n.Response(ex),
	}
	for _, h := range ex.Request.Headers {
		g.Request.Headers = append(g.Request.Headers, Header{h.Name, n.String(h.Value)})
	}
	if ex.Request.Body != nil {
		s := *ex.Request.Body
		if len(s) > maxRecordedBody {
			sum := sha256.Sum256([]byte(s))
			s = fmt.Sprintf("<%d bytes, sha256 %s>", len(s), hex.EncodeToString(sum[:]))
		}
		g.Request.Body = &s
	}
	return g
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteGolden writes one file per case plus index.json into dir, and
// removes golden files of cases no longer in the matrix.
func WriteGolden(dir string, cases []GoldenCase, info RecordingInfo) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	idx := GoldenIndex{Recording: info, Count: len(cases)}
	keep := map[string]bool{IndexFile: true}
	for _, c := range cases {
		file := FileName(c.Name)
		if keep[file] {
			return fmt.Errorf("golden file name collision: %s", file)
		}
		keep[file] = true
		b, err := marshal(c)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			return err
		}
		idx.Cases = append(idx.Cases, IndexEntry{Name: c.Name, Route: c.Route, MV: c.MV, File: file})
	}
	b, err := marshal(idx)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, IndexFile), b, 0o644); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") && !keep[e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// LoadGolden reads index.json and every case file of dir.
func LoadGolden(dir string) (*GoldenIndex, map[string]GoldenCase, error) {
	b, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		return nil, nil, err
	}
	var idx GoldenIndex
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", IndexFile, err)
	}
	out := make(map[string]GoldenCase, len(idx.Cases))
	for _, e := range idx.Cases {
		b, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil {
			return nil, nil, err
		}
		var g GoldenCase
		if err := json.Unmarshal(b, &g); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.File, err)
		}
		if g.Name != e.Name {
			return nil, nil, fmt.Errorf("%s holds case %q, index says %q", e.File, g.Name, e.Name)
		}
		out[g.Name] = g
	}
	return &idx, out, nil
}

// SortedRoutes returns the distinct routes of cases in first-seen order.
func SortedRoutes(cases []Case) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range cases {
		if !seen[c.Route] {
			seen[c.Route] = true
			out = append(out, c.Route)
		}
	}
	return out
}

// mvOrder is the column order of reports.
var mvOrder = []string{MVNone, "2.1", "2.35", "2.36", "2.38", "2.39", "latest", MVOther,
	MVMalformed, MVOutOfRange, MVPrecedence, MVWhitespace, MVNotApplied}

// SortedMVs returns the microversion classes used by cases in report order.
func SortedMVs(cases []Case) []string {
	used := map[string]bool{}
	for _, c := range cases {
		used[c.MV] = true
	}
	var out []string
	for _, m := range mvOrder {
		if used[m] {
			out = append(out, m)
			delete(used, m)
		}
	}
	var rest []string
	for m := range used {
		rest = append(rest, m)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// NormalizeAll normalises every exchange, keyed by case name.
func NormalizeAll(exs []Exchange, n *Normalizer) map[string]Normalized {
	out := make(map[string]Normalized, len(exs))
	for i := range exs {
		out[exs[i].Case.Name] = n.Response(&exs[i])
	}
	return out
}

// GoldenResponses returns the normalised responses of golden cases.
func GoldenResponses(g map[string]GoldenCase) map[string]Normalized {
	out := make(map[string]Normalized, len(g))
	for name, c := range g {
		out[name] = c.Response
	}
	return out
}
