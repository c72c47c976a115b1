package proxy

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/microversion"
)

func TestRequestIDIsNovaStyleUUID4(t *testing.T) {
	re := regexp.MustCompile(`^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		id := newRequestID()
		require.Regexp(t, re, id)
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
}

// The prebuilt version headers are exactly what SetResponseHeaders writes,
// for every version of the range and outside it, with or without a Vary
// already set; and writing to a response's headers afterwards never
// changes the shared values.
func TestVersionHeadersMatchSetResponseHeaders(t *testing.T) {
	r := microversion.Range{Min: microversion.V(2, 1), Max: microversion.V(2, 95)}
	vh := newVersionHeaders(r)
	versions := []microversion.Version{microversion.V(2, 96), microversion.V(3, 0), microversion.V(1, 1)}
	for m := 1; m <= 95; m++ {
		versions = append(versions, microversion.V(2, m))
	}
	for _, v := range versions {
		for _, pre := range [][]string{nil, {"Accept"}} {
			want, got := http.Header{}, http.Header{}
			if pre != nil {
				want["Vary"], got["Vary"] = append([]string(nil), pre...), append([]string(nil), pre...)
			}
			microversion.SetResponseHeaders(want, v.String())
			require.Equal(t, v.String(), vh.set(got, v))
			require.Equal(t, want, got, v.String())
			got.Add("Vary", "X")
			got.Add(microversion.HeaderLegacy, "Y")
		}
	}
	fresh := http.Header{}
	vh.set(fresh, microversion.V(2, 35))
	require.Equal(t, []string{"compute 2.35"}, fresh.Values(microversion.HeaderStandard))
	require.Equal(t, []string{"2.35"}, fresh.Values(microversion.HeaderLegacy))
	require.Equal(t, []string{microversion.HeaderStandard, microversion.HeaderLegacy}, fresh.Values("Vary"))
}
