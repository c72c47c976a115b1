package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/microversion"
)

// edge is one microversion request of the sweep: its label (stable across
// clouds: "max" rather than the number) and the header lines sent.
type edge struct {
	label   string
	headers []conformance.Header
}

func stdHeader(v string) []conformance.Header {
	return []conformance.Header{{Name: microversion.HeaderStandard, Value: "compute " + v}}
}

// Edges are the versions the sweep asks for on a target with range r:
// none, the minimum, both sides of each cut-off, the maximum and one past
// it, latest, a malformed string, and the legacy header on both sides of
// the image cut-off.
func Edges(r microversion.Range) []edge {
	over := microversion.V(r.Max.Major, r.Max.Minor+1)
	return []edge{
		{"none", nil},
		{"min", stdHeader(r.Min.String())},
		{"2.35", stdHeader("2.35")},
		{"2.36", stdHeader("2.36")},
		{"2.38", stdHeader("2.38")},
		{"2.39", stdHeader("2.39")},
		{"max", stdHeader(r.Max.String())},
		{"max+1", stdHeader(over.String())},
		{"latest", stdHeader("latest")},
		{"malformed", stdHeader("2.abc")},
		{"x2.35", []conformance.Header{{Name: microversion.HeaderLegacy, Value: "2.35"}}},
		{"x2.36", []conformance.Header{{Name: microversion.HeaderLegacy, Value: "2.36"}}},
	}
}

// at is the 2.35 (images) or 2.38 (metadata) request most cases use: the
// last version that still has the route.
func at(v string) (string, []conformance.Header) { return v, stdHeader(v) }

// ReadRange reads the compute range from the target's version document
// (GET {target}/v2.1/: "version" and "min_version").
func ReadRange(ctx context.Context, client *http.Client, target string) (microversion.Range, error) {
	u := strings.TrimRight(target, "/") + "/v2.1/"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return microversion.Range{}, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return microversion.Range{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return microversion.Range{}, err
	}
	return ParseVersionDocument(res.StatusCode, b)
}

// ParseVersionDocument reads {"version": {"min_version", "version"}} (the
// v2.1 document); a cloud that states no microversions (both empty) is
// v2.1 only: 2.1-2.1.
func ParseVersionDocument(status int, b []byte) (microversion.Range, error) {
	if status != http.StatusOK {
		return microversion.Range{}, fmt.Errorf("version document: status %d", status)
	}
	var doc struct {
		Version struct {
			ID         string `json:"id"`
			MinVersion string `json:"min_version"`
			Version    string `json:"version"`
		} `json:"version"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return microversion.Range{}, fmt.Errorf("version document: %w", err)
	}
	lo, hi := doc.Version.MinVersion, doc.Version.Version
	if lo == "" && hi == "" {
		lo, hi = "2.1", "2.1"
	}
	r, err := microversion.ParseRange(lo, hi)
	if err != nil {
		return r, fmt.Errorf("version document of %s: %w", doc.Version.ID, err)
	}
	return r, nil
}
