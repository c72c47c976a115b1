// Package microversion parses and negotiates OpenStack compute
// microversions exactly as Nova Zed does (nova/api/openstack/wsgi.py,
// api_version_request.py and microversion-parse), and builds the response
// headers Nova sends. It is pure: no HTTP framework, no I/O.
package microversion

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Header names as Nova spells them.
const (
	HeaderStandard = "OpenStack-API-Version"
	HeaderLegacy   = "X-OpenStack-Nova-API-Version"
	ServiceType    = "compute"
)

// Version is a compute API microversion such as 2.35.
type Version struct {
	Major, Minor int
}

// V builds a Version.
func V(major, minor int) Version { return Version{Major: major, Minor: minor} }

// String renders the version as "X.Y".
func (v Version) String() string {
	return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor)
}

// Compare returns -1, 0 or 1.
func (v Version) Compare(o Version) int {
	switch {
	case v.Major != o.Major:
		if v.Major < o.Major {
			return -1
		}
		return 1
	case v.Minor < o.Minor:
		return -1
	case v.Minor > o.Minor:
		return 1
	}
	return 0
}

// Less reports v < o.
func (v Version) Less(o Version) bool { return v.Compare(o) < 0 }

// IsZero reports whether v is the zero Version (no version).
func (v Version) IsZero() bool { return v.Major == 0 && v.Minor == 0 }

// Parse parses "X.Y" (no surrounding white space, no "latest"): Nova's
// pattern ^([1-9]\d*)\.([1-9]\d*|0)$ (ASCII digits), matched by hand
// (a regexp match was a tenth of the version middleware's time).
func Parse(s string) (Version, error) {
	majorS, minorS, found := strings.Cut(s, ".")
	if !found || !IsNumber(majorS) || majorS[0] == '0' || !IsNumber(minorS) || (minorS[0] == '0' && len(minorS) > 1) {
		return Version{}, &MalformedError{Value: s}
	}
	major, err1 := strconv.Atoi(majorS)
	minor, err2 := strconv.Atoi(minorS)
	if err1 != nil || err2 != nil {
		// Digits too long for an int: Python would accept them and then
		// find the version out of range; keep that observable behaviour.
		return Version{}, &UnsupportedError{Value: s}
	}
	return Version{Major: major, Minor: minor}, nil
}

// IsNumber: one or more ASCII digits (the parts of a version, in a
// microversion header or an endpoint path such as /v2.1).
func IsNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MustParse is Parse for constants; it panics on error.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Range is an inclusive version range.
type Range struct {
	Min, Max Version
}

// ParseRange parses the range a version document states (min_version,
// version): both versions, min not above max, one major (Nova's "2.x").
func ParseRange(minVersion, maxVersion string) (Range, error) {
	lo, err := Parse(minVersion)
	if err != nil {
		return Range{}, fmt.Errorf("min_version: %w", err)
	}
	hi, err := Parse(maxVersion)
	if err != nil {
		return Range{}, fmt.Errorf("version: %w", err)
	}
	if hi.Less(lo) || lo.Major != hi.Major {
		return Range{}, fmt.Errorf("version range %s-%s is not a range of one major version", lo, hi)
	}
	return Range{Min: lo, Max: hi}, nil
}

// Contains reports whether v lies in r.
func (r Range) Contains(v Version) bool {
	return !v.Less(r.Min) && !r.Max.Less(v)
}

// MalformedError is a version string that does not parse: Nova answers 400
// without version headers.
type MalformedError struct{ Value string }

func (e *MalformedError) Error() string {
	return fmt.Sprintf("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", e.Value)
}

// UnsupportedError is a well-formed version outside the supported range:
// Nova answers 406 with the version headers echoing the request.
type UnsupportedError struct {
	Value    string
	Version  Version // the requested version (zero if it did not fit an int)
	Min, Max Version
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("Version %s is not supported by the API. Minimum is %s and maximum is %s.", e.Value, e.Min, e.Max)
}

// Requested extracts the requested compute version string from request
// headers as microversion-parse does. ok is false when no header names a
// compute version (the caller then uses the minimum).
//
// OpenStack-API-Version wins: its comma-separated entries are examined from
// the last to the first, each split on the first run of white space into
// "service version"; the first compute entry wins. Only when it yields
// nothing is X-OpenStack-Nova-API-Version consulted: its last
// comma-separated element, trimmed.
//
// The header lines are walked in place (joining them with "," and
// splitting again, as the definition reads, allocates on every request).
func Requested(h http.Header) (value string, ok bool) {
	lines := h[canonicalStandard] // Values(HeaderStandard) canonicalizes (allocates) per call
	for l := len(lines) - 1; l >= 0; l-- {
		rest := lines[l]
		for {
			entry := rest
			i := strings.LastIndexByte(rest, ',')
			if i >= 0 {
				entry, rest = rest[i+1:], rest[:i]
			}
			if v, ok := computeEntry(entry); ok {
				return v, true
			}
			if i < 0 {
				break
			}
		}
	}
	if lines := h[canonicalLegacy]; len(lines) > 0 {
		last := lines[len(lines)-1]
		if i := strings.LastIndexByte(last, ','); i >= 0 {
			last = last[i+1:]
		}
		return strings.TrimSpace(last), true
	}
	return "", false
}

// The header names as net/http stores them.
var (
	canonicalStandard = http.CanonicalHeaderKey(HeaderStandard)
	canonicalLegacy   = http.CanonicalHeaderKey(HeaderLegacy)
)

// computeEntry reads one "service version" entry of OpenStack-API-Version:
// at least two white-space separated fields, split on the first run of
// white space; ok when the service is compute.
func computeEntry(entry string) (string, bool) {
	n := 0
	for range strings.FieldsSeq(entry) {
		if n++; n == 2 {
			break
		}
	}
	if n < 2 {
		return "", false
	}
	e := strings.TrimSpace(entry)
	cut := strings.IndexFunc(e, isSpace)
	if cut < 0 { // separated only by non-ASCII white space: never "compute"
		return "", false
	}
	service, version := e[:cut], strings.TrimSpace(e[cut:])
	return version, strings.EqualFold(service, ServiceType)
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// Negotiate returns the version a request asks for within the global range
// r. The returned error is a *MalformedError (400) or *UnsupportedError
// (406); for the latter, the requested Version is also returned so the
// response headers can echo it.
func Negotiate(h http.Header, r Range) (Version, error) {
	value, ok := Requested(h)
	if !ok {
		return r.Min, nil
	}
	if value == "latest" {
		return r.Max, nil
	}
	v, err := Parse(value)
	if err != nil {
		if ue, isU := err.(*UnsupportedError); isU {
			ue.Min, ue.Max = r.Min, r.Max
		}
		return Version{}, err
	}
	if !r.Contains(v) {
		return v, &UnsupportedError{Value: value, Version: v, Min: r.Min, Max: r.Max}
	}
	return v, nil
}

// SetResponseHeaders writes the headers Nova adds to every versioned
// response: both version headers and two separate Vary lines. The value is
// the raw requested version string for a 406 echo, else v.String().
func SetResponseHeaders(h http.Header, value string) {
	h.Set(HeaderStandard, ServiceType+" "+value)
	h.Set(HeaderLegacy, value)
	h.Add("Vary", HeaderStandard)
	h.Add("Vary", HeaderLegacy)
}
