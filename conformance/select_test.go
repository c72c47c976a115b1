package conformance

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSelection(t *testing.T) {
	cases := []Case{
		{Name: "a", Route: "images.list", MV: "2.35"},
		{Name: "b", Route: "images.list", MV: "2.36"},
		{Name: "c", Route: "metadata.create", MV: "2.35"},
		{Name: "d", Route: "versions", MV: "n/a"},
	}
	names := func(cs []Case) (out []string) {
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	for _, tt := range []struct {
		sel  Selection
		want []string
	}{
		{Selection{}, []string{"a", "b", "c", "d"}},
		{Selection{Only: ParseList("images.list")}, []string{"a", "b"}},
		{Selection{Only: ParseList("2.35, versions")}, []string{"a", "c", "d"}},
		{Selection{Skip: ParseList("2.35")}, []string{"b", "d"}},
		{Selection{Only: ParseList("images.list"), Skip: ParseList("2.36")}, []string{"a"}},
		{Selection{Filter: regexp.MustCompile("^[cd]$"), Skip: ParseList("versions")}, []string{"c"}},
	} {
		require.Equal(t, tt.want, names(tt.sel.Apply(cases)), "%+v", tt.sel)
	}
}
