package microversion

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

var zed = Range{Min: V(2, 1), Max: V(2, 93)}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name      string
		h         http.Header
		want      string // version on success
		malformed string // expected MalformedError value
		unsupp    string // expected UnsupportedError value
	}{
		{name: "no header is the minimum", h: hdr(), want: "2.1"},
		{name: "legacy header", h: hdr(HeaderLegacy, "2.35"), want: "2.35"},
		{name: "standard header", h: hdr(HeaderStandard, "compute 2.35"), want: "2.35"},
		{name: "service name case-insensitive", h: hdr(HeaderStandard, "COMPUTE 2.35"), want: "2.35"},
		{name: "standard wins over legacy", h: hdr(HeaderStandard, "compute 2.30", HeaderLegacy, "2.20"), want: "2.30"},
		{name: "non-compute entry ignored", h: hdr(HeaderStandard, "volume 2.35"), want: "2.1"},
		{name: "non-compute entry falls back to legacy", h: hdr(HeaderStandard, "volume 3.0", HeaderLegacy, "2.5"), want: "2.5"},
		{name: "compute without version ignored", h: hdr(HeaderStandard, "compute"), want: "2.1"},
		{name: "several services", h: hdr(HeaderStandard, "compute 2.35, volume 3.0"), want: "2.35"},
		{name: "last compute entry wins", h: hdr(HeaderStandard, "compute 2.3, compute 2.30"), want: "2.30"},
		{name: "repeated header lines: last wins", h: hdr(HeaderStandard, "compute 2.39", HeaderStandard, "compute 2.3"), want: "2.3"},
		{name: "surrounding spaces", h: hdr(HeaderLegacy, " 2.35 "), want: "2.35"},
		{name: "standard with extra spaces", h: hdr(HeaderStandard, "  compute   2.35  "), want: "2.35"},
		{name: "legacy list: last element", h: hdr(HeaderLegacy, "2.30, 2.20"), want: "2.20"},
		{name: "latest legacy", h: hdr(HeaderLegacy, "latest"), want: "2.93"},
		{name: "latest standard", h: hdr(HeaderStandard, "compute latest"), want: "2.93"},
		{name: "minor zero allowed syntax", h: hdr(HeaderLegacy, "2.0"), unsupp: "2.0"},
		{name: "LATEST is malformed", h: hdr(HeaderLegacy, "LATEST"), malformed: "LATEST"},
		{name: "bare major", h: hdr(HeaderLegacy, "2"), malformed: "2"},
		{name: "leading zero minor", h: hdr(HeaderLegacy, "2.01"), malformed: "2.01"},
		{name: "leading zero major", h: hdr(HeaderLegacy, "02.1"), malformed: "02.1"},
		{name: "letters", h: hdr(HeaderLegacy, "2.abc"), malformed: "2.abc"},
		{name: "empty legacy", h: hdr(HeaderLegacy, ""), malformed: ""},
		{name: "standard letters", h: hdr(HeaderStandard, "compute 2.abc"), malformed: "2.abc"},
		{name: "trailing word", h: hdr(HeaderStandard, "compute 2.35 extra"), malformed: "2.35 extra"},
		{name: "3.0 unsupported", h: hdr(HeaderLegacy, "3.0"), unsupp: "3.0"},
		{name: "2.94 unsupported", h: hdr(HeaderLegacy, "2.94"), unsupp: "2.94"},
		{name: "2.9999 unsupported", h: hdr(HeaderLegacy, "2.9999"), unsupp: "2.9999"},
		{name: "1.9 unsupported", h: hdr(HeaderLegacy, "1.9"), unsupp: "1.9"},
		{name: "huge number unsupported", h: hdr(HeaderLegacy, "2.99999999999999999999999"), unsupp: "2.99999999999999999999999"},
		{name: "max accepted", h: hdr(HeaderLegacy, "2.93"), want: "2.93"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Negotiate(tt.h, zed)
			switch {
			case tt.malformed != "" || (tt.want == "" && tt.unsupp == ""):
				var me *MalformedError
				require.True(t, errors.As(err, &me), "want malformed, got %v (%v)", err, v)
				require.Equal(t, tt.malformed, me.Value)
			case tt.unsupp != "":
				var ue *UnsupportedError
				require.True(t, errors.As(err, &ue), "want unsupported, got %v", err)
				require.Equal(t, tt.unsupp, ue.Value)
			default:
				require.NoError(t, err)
				require.Equal(t, tt.want, v.String())
			}
		})
	}
}

func TestMessages(t *testing.T) {
	_, err := Negotiate(hdr(HeaderLegacy, "2.abc"), zed)
	require.EqualError(t, err, "API Version String 2.abc is of invalid format. Must be of format MajorNum.MinorNum.")
	_, err = Negotiate(hdr(HeaderLegacy, ""), zed)
	require.EqualError(t, err, "API Version String  is of invalid format. Must be of format MajorNum.MinorNum.")
	_, err = Negotiate(hdr(HeaderLegacy, "3.0"), zed)
	require.EqualError(t, err, "Version 3.0 is not supported by the API. Minimum is 2.1 and maximum is 2.93.")
}

func TestResponseHeaders(t *testing.T) {
	h := http.Header{}
	SetResponseHeaders(h, "2.35")
	require.Equal(t, "compute 2.35", h.Get(HeaderStandard))
	require.Equal(t, "2.35", h.Get(HeaderLegacy))
	require.Equal(t, []string{HeaderStandard, HeaderLegacy}, h.Values("Vary"))
}

func TestCompareAndRange(t *testing.T) {
	require.True(t, V(2, 9).Less(V(2, 10)))
	require.True(t, V(2, 93).Less(V(3, 0)))
	require.Equal(t, 0, V(2, 35).Compare(MustParse("2.35")))
	r := Range{Min: V(2, 1), Max: V(2, 35)}
	require.True(t, r.Contains(V(2, 1)))
	require.True(t, r.Contains(V(2, 35)))
	require.False(t, r.Contains(V(2, 36)))
	require.False(t, r.Contains(V(2, 0)))
}

// FuzzNegotiate: any header value yields a version in range, a 400 or a 406.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"2.35", "latest", "compute 2.1", "2.abc", "", " 3.0 ", "compute 2.35, volume 3.0", "2.999999999999999999999"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, std, legacy string) {
		h := http.Header{}
		if std != "" {
			h.Set(HeaderStandard, std)
		}
		h.Set(HeaderLegacy, legacy)
		v, err := Negotiate(h, zed)
		var me *MalformedError
		var ue *UnsupportedError
		switch {
		case err == nil:
			if !zed.Contains(v) {
				t.Fatalf("version %s out of range accepted", v)
			}
		case errors.As(err, &me), errors.As(err, &ue):
		default:
			t.Fatalf("unexpected error type %T", err)
		}
	})
}

// A version document's range, as Nova's /v2.1 states it.
func TestParseRange(t *testing.T) {
	for _, tt := range []struct {
		lo, hi string
		want   Range
		bad    string
	}{
		{lo: "2.1", hi: "2.93", want: Range{V(2, 1), V(2, 93)}},
		{lo: "2.1", hi: "2.1", want: Range{V(2, 1), V(2, 1)}},
		{lo: "", hi: "2.93", bad: "min_version"},
		{lo: "2.1", hi: "latest", bad: "version"},
		{lo: "2.10", hi: "2.9", bad: "range"},
		{lo: "2.1", hi: "3.0", bad: "range"},
	} {
		r, err := ParseRange(tt.lo, tt.hi)
		if tt.bad != "" {
			require.ErrorContains(t, err, tt.bad, "%s-%s", tt.lo, tt.hi)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, r)
	}
}
