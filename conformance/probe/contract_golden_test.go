package probe

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/microversion"
)

// The contract is checked against answers recorded from the real nova-api
// (testdata/golden), so the probe's expectations and the recording cannot
// drift apart. The facts below are what scripts/cloud/seed.py creates
// (inputs to Glance, not answers of Nova); ids come from the recorded
// request paths.

// seedData is len(ACTIVE_DATA) of seed.py: b"refcloud active image data\n".
const seedData = 27

var seedImages = map[string]Image{
	"ref-active": {Name: "ref-active", Status: "active", Size: seedData, Properties: map[string]string{}},
	"ref-queued": {Name: "ref-queued", Status: "queued", Properties: map[string]string{}},
	"ref-snapshot": {Name: "ref-snapshot", Status: "active", Size: seedData, Properties: map[string]string{
		"instance_uuid": "9d3f8a51-6a37-4f56-8a8c-1f1ac5a0c0de", "image_type": "snapshot",
		"image_location": "snapshot", "base_image_ref": "{id:ref-active}",
		"owner_user_name": "demo", "boot_roles": "member,reader"}},
	"ref-custom-props": {Name: "ref-custom-props", Status: "active", Size: seedData, Properties: map[string]string{
		"os_distro": "ubuntu", "os_version": "22.04", "hw_disk_bus": "scsi", "architecture": "x86_64",
		"custom_key": "custom value", "unicode_prop": "\u00fcn\u00efc\u00f8d\u00e9 \u2603", "empty_prop": "",
		"key with spaces": "spaces", "key.with.dots": "dots", "key:with:colons": "colons", "numeric_string": "42"}},
	"ref-minram-mindisk":   {Name: "ref-minram-mindisk", Status: "active", Size: seedData, MinRAM: 512, MinDisk: 10, Properties: map[string]string{}},
	"ref-autodisk-invalid": {Name: "ref-autodisk-invalid", Status: "active", Size: seedData, Properties: map[string]string{"auto_disk_config": "maybe"}},
	"ref-autodisk-true":    {Name: "ref-autodisk-true", Status: "active", Size: seedData, Properties: map[string]string{"auto_disk_config": "True"}},
	"ref-meta-delete-item": {Name: "ref-meta-delete-item", Status: "active", Size: seedData,
		Properties: map[string]string{"meta_key1": "value1", "meta_key2": "value2"}},
	"ref-shared-to-alt-accepted": {Name: "ref-shared-to-alt-accepted", Status: "active", Size: seedData, Properties: map[string]string{}},
}

// golden is the recorded set, loaded once.
type golden struct {
	cases map[string]conformance.GoldenCase
	resp  map[string]conformance.Normalized
}

func loadGolden(t *testing.T) *golden {
	t.Helper()
	_, g, err := conformance.LoadGolden("../../testdata/golden")
	require.NoError(t, err)
	return &golden{cases: g, resp: conformance.GoldenResponses(g)}
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// image is a seed image with the id its recorded request used.
func (g *golden) image(t *testing.T, caseName, seedName string) Image {
	t.Helper()
	gc, ok := g.cases[caseName]
	require.True(t, ok, "no golden case %s", caseName)
	im := seedImages[seedName]
	im.ID = uuidRE.FindString(gc.Request.Path)
	require.NotEmpty(t, im.ID, "no image id in %s", gc.Request.Path)
	if strings.HasPrefix(im.Properties["base_image_ref"], "{id:") {
		im.Properties = mapsWith(im.Properties, "base_image_ref",
			g.image(t, "images.show/v2.1/mv-2.35/demo/ref-active", "ref-active").ID)
	}
	return im
}

func mapsWith(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range m {
		if key != k {
			out[key] = val
		}
	}
	return out
}

func (g *golden) headers(caseName string) http.Header {
	h := http.Header{}
	for _, l := range g.cases[caseName].Request.Headers {
		h.Add(l.Name, l.Value)
	}
	return h
}

// recordedRange is the range of the recorded Nova (index.json: 2.93).
var recordedRange = microversion.Range{Min: microversion.V(2, 1), Max: microversion.V(2, 93)}

func requireSame(t *testing.T, g *golden, caseName string, want conformance.Normalized) {
	t.Helper()
	got, ok := g.resp[caseName]
	require.True(t, ok, "no golden case %s", caseName)
	require.Empty(t, conformance.Compare(want, got), "contract vs recording of %s", caseName)
}

func TestContractMatchesGoldenImages(t *testing.T) {
	g := loadGolden(t)
	for _, name := range []string{"ref-active", "ref-queued", "ref-snapshot", "ref-custom-props",
		"ref-minram-mindisk", "ref-autodisk-invalid", "ref-autodisk-true"} {
		c := "images.show/v2.1/mv-2.35/demo/" + name
		requireSame(t, g, c, Expect(g.headers(c), recordedRange, imagesRemoved, showOK(g.image(t, c, name), V21)))
	}
	c := "images.show/v2.1-project/mv-2.35/demo"
	requireSame(t, g, c, Expect(g.headers(c), recordedRange, imagesRemoved,
		showOK(g.image(t, c, "ref-active"), Mount{Version: "v2.1", Project: "{project:demo}"})))
	c = "images.show/v2-project/mv-none/demo/ref-snapshot"
	m := Mount{Version: "v2", Project: "{project:demo}"}
	requireSame(t, g, c, ExpectLegacyV2(showOK(g.image(t, c, "ref-snapshot"), m)))
	c = "images.show/v2.1/mv-2.35/alt/ref-shared-to-alt-accepted"
	requireSame(t, g, c, Expect(g.headers(c), recordedRange, imagesRemoved, showOK(g.image(t, c, "ref-shared-to-alt-accepted"), V21)))
	for _, c := range []string{"images.list/v2.1/mv-2.35/demo/name=ref-active", "images.detail/v2.1/mv-2.35/demo/name=ref-active"} {
		ok := listOK([]Image{g.image(t, "images.show/v2.1/mv-2.35/demo/ref-active", "ref-active")}, strings.Contains(c, "detail"), nil, 0)
		requireSame(t, g, c, Expect(g.headers(c), recordedRange, imagesRemoved, ok))
	}
}

// The microversion sweep of one image: none, 2.1, both sides of the
// cut-offs, latest, out of range both ways, malformed, legacy header.
func TestContractMatchesGoldenMicroversions(t *testing.T) {
	g := loadGolden(t)
	for _, mv := range []string{"none", "2.0", "2.1", "2.35", "2.36", "2.38", "2.39", "3.0", "latest", "2.abc",
		"x2.1", "x2.35", "x2.36", "x2.38", "x2.94", "x2.9999", "x2.abc", "xempty", "xlatest"} {
		c := "images.show/v2.1/mv-" + mv + "/demo"
		im := g.image(t, c, "ref-active")
		requireSame(t, g, c, Expect(g.headers(c), recordedRange, imagesRemoved, showOK(im, V21)))
	}
	for _, c := range []string{"metadata.index/v2.1/mv-2.38/demo/ref-custom-props", "metadata.index/v2.1/mv-2.39/demo"} {
		requireSame(t, g, c, Expect(g.headers(c), recordedRange, metadataRemoved, metaIndexOK(seedImages["ref-custom-props"].Properties)))
	}
}
