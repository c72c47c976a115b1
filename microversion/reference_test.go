package microversion

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The definitions Parse and Requested were first written as (Nova's
// pattern as a regexp; the header lines joined with "," and split again).
// The hand-written versions must agree with them on every input.

var referenceRE = regexp.MustCompile(`^([1-9][0-9]*)\.([1-9][0-9]*|0)$`)

func referenceParse(s string) (Version, error) {
	m := referenceRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, &MalformedError{Value: s}
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return Version{}, &UnsupportedError{Value: s}
	}
	return Version{Major: major, Minor: minor}, nil
}

func referenceRequested(h http.Header) (string, bool) {
	if lines := h.Values(HeaderStandard); len(lines) > 0 {
		entries := strings.Split(strings.Join(lines, ","), ",")
		for i := len(entries) - 1; i >= 0; i-- {
			if len(strings.Fields(entries[i])) < 2 {
				continue
			}
			e := strings.TrimSpace(entries[i])
			cut := strings.IndexFunc(e, isSpace)
			if cut < 0 {
				continue
			}
			service, version := e[:cut], strings.TrimSpace(e[cut:])
			if strings.EqualFold(service, ServiceType) {
				return version, true
			}
		}
	}
	if lines := h.Values(HeaderLegacy); len(lines) > 0 {
		parts := strings.Split(strings.Join(lines, ","), ",")
		return strings.TrimSpace(parts[len(parts)-1]), true
	}
	return "", false
}

func requireSameParse(t *testing.T, s string) {
	t.Helper()
	v1, err1 := Parse(s)
	v2, err2 := referenceParse(s)
	require.Equal(t, v2, v1, "%q", s)
	require.Equal(t, err2 == nil, err1 == nil, "%q", s)
	var me1, me2 *MalformedError
	require.Equal(t, errors.As(err2, &me2), errors.As(err1, &me1), "%q", s)
}

var parseSamples = []string{"", ".", "2", "2.", ".1", "2.1", "2.0", "2.00", "02.1", "0.1", "2.01", "2.10", "10.0",
	"2.1.1", " 2.1", "2.1 ", "2.1\n", "+2.1", "-2.1", "2.-1", "2,1", "2.1a", "a2.1", "２.1", "2.１",
	"99999999999999999999.1", "2.99999999999999999999", "latest", "2..1", "1.0", "2.95", "2.96"}

func TestParseMatchesNovaPattern(t *testing.T) {
	for _, s := range parseSamples {
		requireSameParse(t, s)
	}
}

func TestRequestedMatchesDefinition(t *testing.T) {
	values := []string{"", "compute 2.35", "COMPUTE 2.35", "volume 3.0", "compute 2.35, volume 3.0",
		"volume 3.0, compute 2.2", "compute 2.3,compute 2.4", "compute", " compute  2.5 ", "compute\t2.6",
		"compute 2.7 extra", ",,", "compute\u00852.8", "compute\u00a0 2.9", "2.35", " 2.36 , 2.37 "}
	for _, std := range values {
		for _, legacy := range values {
			for _, lines := range []int{1, 2} {
				h := http.Header{}
				for i := 0; i < lines; i++ {
					if std != "" {
						h.Add(HeaderStandard, std)
					}
					if legacy != "" {
						h.Add(HeaderLegacy, legacy)
					}
				}
				h.Add(HeaderStandard, "volume 3.1") // a further line, not compute
				v1, ok1 := Requested(h)
				v2, ok2 := referenceRequested(h)
				require.Equal(t, ok2, ok1, "%v", h)
				require.Equal(t, v2, v1, "%v", h)
			}
		}
	}
}

func FuzzParseMatchesNovaPattern(f *testing.F) {
	for _, s := range parseSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { requireSameParse(t, s) })
}

func FuzzRequestedMatchesDefinition(f *testing.F) {
	f.Add("compute 2.35, volume 3.0", "volume 2.1", "2.35")
	f.Fuzz(func(t *testing.T, std1, std2, legacy string) {
		h := http.Header{}
		for _, s := range []string{std1, std2} {
			if s != "" {
				h.Add(HeaderStandard, s)
			}
		}
		if legacy != "" {
			h.Add(HeaderLegacy, legacy)
		}
		v1, ok1 := Requested(h)
		v2, ok2 := referenceRequested(h)
		require.Equal(t, ok2, ok1)
		require.Equal(t, v2, v1)
	})
}
