package conformance

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Fields a comparison can report.
const (
	FieldStatus = "status"
	FieldBody   = "body"
	FieldError  = "error"
	// header:<lower-case name>
	fieldHeaderPrefix = "header:"
)

// ComparedHeaders are the response headers whose presence and values
// (all lines, in order) must match.
var ComparedHeaders = []string{
	"openstack-api-version",
	"x-openstack-nova-api-version",
	"vary",
	"content-type",
	"www-authenticate",
}

// HeaderField is the field name of a header comparison.
func HeaderField(name string) string { return fieldHeaderPrefix + strings.ToLower(name) }

// ValidFields are the fields the comparator can report (for the
// deviations file).
func ValidFields() []string {
	f := []string{FieldStatus, FieldBody, FieldError, HeaderField("content-length")}
	for _, h := range ComparedHeaders {
		f = append(f, HeaderField(h))
	}
	return f
}

// FieldDiff is one difference: want is the reference (Nova), got the
// server under test.
type FieldDiff struct {
	Field  string `json:"field"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	Detail string `json:"detail,omitempty"`
}

func (d FieldDiff) String() string {
	s := fmt.Sprintf("%s: want %s, got %s", d.Field, d.Want, d.Got)
	if d.Detail != "" {
		s += "\n" + d.Detail
	}
	return s
}

// Compare returns the differences of two normalised responses: status,
// body (semantic JSON equality when both are JSON, else text), the
// ComparedHeaders, and Content-Length on 204 answers (where it is not
// framing but a header the server chose to send).
func Compare(want, got Normalized) []FieldDiff {
	var diffs []FieldDiff
	if want.Error != "" || got.Error != "" {
		if want.Error != got.Error {
			diffs = append(diffs, FieldDiff{Field: FieldError, Want: quote(want.Error), Got: quote(got.Error)})
		}
		return diffs
	}
	if want.Status != got.Status {
		diffs = append(diffs, FieldDiff{Field: FieldStatus, Want: fmt.Sprint(want.Status), Got: fmt.Sprint(got.Status)})
	}
	if d, ok := compareBody(want, got); !ok {
		diffs = append(diffs, d)
	}
	headers := ComparedHeaders
	if want.Status == 204 || got.Status == 204 {
		headers = append(append([]string{}, headers...), "content-length")
	}
	for _, h := range headers {
		w, g := want.HeaderValues(h), got.HeaderValues(h)
		if !reflect.DeepEqual(w, g) && !(len(w) == 0 && len(g) == 0) {
			diffs = append(diffs, FieldDiff{Field: HeaderField(h), Want: headerString(w), Got: headerString(g)})
		}
	}
	if d, ok := compareFraming(want, got); !ok {
		diffs = append(diffs, d)
	}
	return diffs
}

// compareFraming: an answer Nova framed with Content-Length must have one
// (its value follows the body's bytes, whose spacing differs); a chunked
// answer is a different wire even when the JSON is the same. 204 answers
// compare the header itself (Compare).
func compareFraming(want, got Normalized) (FieldDiff, bool) {
	const cl = "content-length"
	if want.Status == 204 || got.Status == 204 || len(want.HeaderValues(cl)) == 0 || len(got.HeaderValues(cl)) > 0 {
		return FieldDiff{}, true
	}
	return FieldDiff{Field: HeaderField(cl), Want: "present", Got: "(absent)"}, false
}

func headerString(v []string) string {
	if v == nil {
		return "(absent)"
	}
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func compareBody(want, got Normalized) (FieldDiff, bool) {
	if want.BodyKind == "json" && got.BodyKind == "json" {
		w, g := canonicalJSON(want.Body), canonicalJSON(got.Body)
		if w == g {
			return FieldDiff{}, true
		}
		return FieldDiff{Field: FieldBody, Want: abbreviate(w), Got: abbreviate(g),
			Detail: strings.Join(JSONDiff(want.Body, got.Body, 12), "\n")}, false
	}
	w, g := bodyText(want), bodyText(got)
	if want.BodyKind == got.BodyKind && w == g {
		return FieldDiff{}, true
	}
	return FieldDiff{Field: FieldBody, Want: want.BodyKind + " " + abbreviate(w), Got: got.BodyKind + " " + abbreviate(g)}, false
}

func bodyText(n Normalized) string {
	if n.BodyKind == "json" {
		return canonicalJSON(n.Body)
	}
	s, _ := n.Body.(string)
	return s
}

func abbreviate(s string) string {
	const max = 300
	if len(s) <= max {
		return quote(s)
	}
	return quote(s[:max]) + fmt.Sprintf("…(%d bytes)", len(s))
}

// JSONDiff lists up to max paths where two JSON values differ.
func JSONDiff(want, got any, max int) []string {
	var out []string
	var walk func(path string, w, g any)
	walk = func(path string, w, g any) {
		if len(out) >= max {
			return
		}
		switch wv := w.(type) {
		case map[string]any:
			gv, ok := g.(map[string]any)
			if !ok {
				out = append(out, fmt.Sprintf("  %s: want object, got %s", path, short(g)))
				return
			}
			keys := map[string]bool{}
			for k := range wv {
				keys[k] = true
			}
			for k := range gv {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				wc, inW := wv[k]
				gc, inG := gv[k]
				p := path + "." + k
				switch {
				case !inG:
					out = append(out, fmt.Sprintf("  %s: missing (want %s)", p, short(wc)))
				case !inW:
					out = append(out, fmt.Sprintf("  %s: unexpected %s", p, short(gc)))
				default:
					walk(p, wc, gc)
				}
				if len(out) >= max {
					return
				}
			}
		case []any:
			gv, ok := g.([]any)
			if !ok {
				out = append(out, fmt.Sprintf("  %s: want array, got %s", path, short(g)))
				return
			}
			if len(wv) != len(gv) {
				out = append(out, fmt.Sprintf("  %s: want %d elements, got %d", path, len(wv), len(gv)))
			}
			for i := 0; i < len(wv) && i < len(gv); i++ {
				walk(fmt.Sprintf("%s[%d]", path, i), wv[i], gv[i])
				if len(out) >= max {
					return
				}
			}
		default:
			if !reflect.DeepEqual(w, g) {
				out = append(out, fmt.Sprintf("  %s: want %s, got %s", path, short(w), short(g)))
			}
		}
	}
	walk("$", want, got)
	return out
}

func short(v any) string {
	s := canonicalJSON(v)
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
