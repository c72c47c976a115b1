package probe

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/microversion"
)

var zed = microversion.Range{Min: microversion.V(2, 1), Max: microversion.V(2, 93)}

func TestCasesAreNamedStablyAndClassified(t *testing.T) {
	a, b := Cases(standIn(true), zed), Cases(standIn(true), microversion.Range{Min: zed.Min, Max: microversion.V(2, 60)})
	require.Equal(t, len(a), len(b))
	classes := map[string]int{}
	for i := range a {
		require.Equal(t, a[i].Name, b[i].Name, "names do not depend on the target's range")
		require.NotEmpty(t, a[i].Class, a[i].Name)
		require.NotContains(t, a[i].Name, "-0000-4000-", "names carry roles, not ids")
		classes[a[i].Class]++
	}
	for _, c := range []string{ClassMicroversion, ClassCutoff, ClassImage, ClassList, ClassPagination,
		ClassMetadata, ClassDelete, ClassFault, ClassIsolation, ClassAuth} {
		require.Positive(t, classes[c], c)
	}
	alone := Cases(standIn(false), zed)
	for _, c := range alone {
		require.NotEqual(t, Second, c.User, c.Name)
	}
	require.Less(t, len(alone), len(a))
}

func TestEdgesFollowTheTargetsRange(t *testing.T) {
	cases := Cases(standIn(false), microversion.Range{Min: microversion.V(2, 1), Max: microversion.V(2, 37)})
	status := map[string]int{}
	for _, c := range cases {
		if c.Route == "images.show" && strings.HasSuffix(c.Name, "/sweep") {
			status[c.MV] = c.Want.Status
		}
	}
	require.Equal(t, map[string]int{"none": 200, "min": 200, "2.35": 200, "2.36": 404, "2.38": 406, "2.39": 406,
		"max": 404, "max+1": 406, "latest": 404, "malformed": 400, "x2.35": 200, "x2.36": 404}, status)
}

func TestNextQueryIsPythonsUrlencodeOfSortedParams(t *testing.T) {
	for _, c := range []struct {
		q    [][2]string
		want string
	}{
		{[][2]string{{"name", "in:a,b"}, {"limit", "1"}}, "limit=1&name=in%3Aa%2Cb&marker=M"},
		{[][2]string{{"limit", "2"}, {"limit", "1"}}, "limit=2&marker=M"},
		{[][2]string{{"zzz", "a b"}, {"marker", "old"}, {"aaa", "/:"}}, "aaa=%2F%3A&marker=M&zzz=a+b"},
	} {
		require.Equal(t, c.want, nextQuery(c.q, "M"))
	}
}

func TestPropertyFilterStripsCharactersLikeLstrip(t *testing.T) {
	for param, key := range map[string]string{
		"property-hw_disk_bus": "hw_disk_bus", "property-os_distro": "s_distro",
		"property-probe_key": "be_key", "property-empty_prop": "mpty_prop",
	} {
		require.Equal(t, key, PropertyFilter(param), param)
	}
}

func TestComputeBase(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:28774/v2.1/":                "http://127.0.0.1:28774",
		"https://nova.example/compute/v2.1/0123abcd":  "https://nova.example/compute",
		"http://nova.example:8774/v2/0123abcd":        "http://nova.example:8774",
		"http://nova.example:8774/v2.1-beta/v2.1/abc": "http://nova.example:8774/v2.1-beta",
	} {
		got, err := ComputeBase(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := ComputeBase("http://nova.example:8774/")
	require.Error(t, err)
}

func TestParseVersionDocument(t *testing.T) {
	r, err := ParseVersionDocument(200, []byte(`{"version": {"id": "v2.1", "min_version": "2.1", "version": "2.93"}}`))
	require.NoError(t, err)
	require.Equal(t, zed, r)
	r, err = ParseVersionDocument(200, []byte(`{"version": {"id": "v2.1", "min_version": "", "version": ""}}`))
	require.NoError(t, err, "no microversions: v2.1 only")
	require.Equal(t, microversion.Range{Min: zed.Min, Max: zed.Min}, r)
	for _, bad := range []string{`{"version": {"min_version": "2.1", "version": "x"}}`, `not json`,
		`{"version": {"min_version": "2.10", "version": "2.1"}}`} {
		_, err := ParseVersionDocument(200, []byte(bad))
		require.Error(t, err, bad)
	}
	_, err = ParseVersionDocument(404, nil)
	require.Error(t, err)
}

func TestInventoryChanges(t *testing.T) {
	before := Inventory{"a": "x", "b": "y", "c": "z"}
	require.Empty(t, before.Changes(Inventory{"a": "x", "b": "y", "c": "z"}))
	require.Equal(t, []string{"changed: b y -> y2", "gone: c z", "new: d w"},
		before.Changes(Inventory{"a": "x", "b": "y2", "d": "w"}))
}

func TestDeviationsNameKnownCases(t *testing.T) {
	devs, err := conformance.LoadDeviations("../deviations.yaml")
	require.NoError(t, err)
	require.Empty(t, devs.UnknownCases(append(conformance.Matrix(), AllCases()...)),
		"deviations.yaml names cases that are neither in the matrix nor the probe's")
}

func TestSelectionKeepsTheWritesAReadFollowsFrom(t *testing.T) {
	all := Cases(standIn(true), zed)
	picked := Options{Selection: conformance.Selection{Only: []string{"images.show"}}}.pick(all)
	names := map[string]bool{}
	for _, c := range picked {
		names[c.Name] = true
		for _, n := range c.Needs {
			require.True(t, names[n], "%s runs after %s", c.Name, n)
		}
	}
	require.True(t, names["images.show/v2.1/mv-2.35/primary/meta-after-delete"])
	require.True(t, names["metadata.update_all/v2.1/mv-2.38/primary/replace-all"], "a write the show follows from")
	require.True(t, names["images.delete/v2.1/mv-2.35/primary/owner"], "the delete the deleted show follows from")
	require.False(t, names["metadata.show/v2.1/mv-2.38/primary/probe_a"], "a read nobody needs")
}
