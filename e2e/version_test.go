//go:build e2e

package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

const (
	legacyHdr = "X-OpenStack-Nova-API-Version"
	stdHdr    = "OpenStack-API-Version"
)

var genericNotFound = map[string]any{"itemNotFound": map[string]any{"code": float64(404), "message": "The resource could not be found."}}

func requireVersionHeaders(t *testing.T, r resp, v string) {
	t.Helper()
	require.Equal(t, "compute "+v, r.Header.Get(stdHdr))
	require.Equal(t, v, r.Header.Get(legacyHdr))
	require.Equal(t, []string{stdHdr, legacyHdr}, r.Header.Values("Vary"))
}

func requireNoVersionHeaders(t *testing.T, r resp) {
	t.Helper()
	require.Empty(t, r.Header.Values(stdHdr))
	require.Empty(t, r.Header.Values(legacyHdr))
	require.Empty(t, r.Header.Values("Vary"))
}

// mvRoute is an image route and the last version serving it.
type mvRoute struct {
	name, path string
	max        string // last version serving the route
}

// mvVersion is a version request and what imagegw answers to it.
type mvVersion struct {
	name   string
	hdr    map[string]string
	echo   string // echoed version ("" = none expected)
	status string // "ok", "400", "406"
	ver    string // effective version for range checks
}

var mvVersions = []mvVersion{
	{"no header", nil, "2.1", "ok", "2.1"},
	{"2.1", map[string]string{legacyHdr: "2.1"}, "2.1", "ok", "2.1"},
	{"2.35 legacy header", map[string]string{legacyHdr: "2.35"}, "2.35", "ok", "2.35"},
	{"2.35 standard header", map[string]string{stdHdr: "compute 2.35"}, "2.35", "ok", "2.35"},
	{"2.36", map[string]string{legacyHdr: "2.36"}, "2.36", "ok", "2.36"},
	{"2.38", map[string]string{stdHdr: "COMPUTE 2.38"}, "2.38", "ok", "2.38"},
	{"2.39", map[string]string{legacyHdr: "2.39"}, "2.39", "ok", "2.39"},
	{"latest", map[string]string{legacyHdr: "latest"}, "2.93", "ok", "2.93"},
	{"standard beats legacy", map[string]string{stdHdr: "compute 2.36", legacyHdr: "2.35"}, "2.36", "ok", "2.36"},
	{"volume entry ignored", map[string]string{stdHdr: "volume 3.0"}, "2.1", "ok", "2.1"},
	{"malformed", map[string]string{legacyHdr: "2.abc"}, "", "400", ""},
	{"LATEST malformed", map[string]string{legacyHdr: "LATEST"}, "", "400", ""},
	{"empty malformed", map[string]string{legacyHdr: ""}, "", "400", ""},
	{"3.0 unsupported", map[string]string{legacyHdr: "3.0"}, "3.0", "406", ""},
	{"2.94 unsupported", map[string]string{stdHdr: "compute 2.94"}, "2.94", "406", ""},
}

func TestMicroversionsByRoute(t *testing.T) {
	id := imageID(t, "ref-active")
	demo := world.seed.Projects["demo"]
	routes := []mvRoute{
		{"list", "/images", "2.35"},
		{"detail", "/images/detail", "2.35"},
		{"show", "/images/" + id, "2.35"},
		{"show unknown id", "/images/00000000-0000-0000-0000-000000000000", "2.35"},
	}
	for _, rt := range routes {
		for _, form := range []string{"/v2.1", "/v2.1/" + demo} {
			for _, v := range mvVersions {
				t.Run(rt.name+form+"/"+v.name, func(t *testing.T) {
					checkMicroversion(t, gw(t, "GET", form+rt.path, "demo", v.hdr), rt, v)
				})
			}
		}
	}
}

// checkMicroversion checks imagegw's answer r on route rt to version v.
func checkMicroversion(t *testing.T, r resp, rt mvRoute, v mvVersion) {
	t.Helper()
	switch v.status {
	case "400":
		require.Equal(t, 400, r.Status)
		requireNoVersionHeaders(t, r)
		require.Equal(t, "API Version String "+v.hdr[legacyHdr]+" is of invalid format. Must be of format MajorNum.MinorNum.",
			r.JSON(t)["badRequest"].(map[string]any)["message"])
	case "406":
		require.Equal(t, 406, r.Status)
		requireVersionHeaders(t, r, v.echo)
		require.Equal(t, map[string]any{"computeFault": map[string]any{"code": float64(406),
			"message": "Version " + v.echo + " is not supported by the API. Minimum is 2.1 and maximum is 2.93."}}, r.JSON(t))
	default:
		requireVersionHeaders(t, r, v.echo)
		checkSupportedVersion(t, r, rt, v)
	}
}

// checkSupportedVersion checks the answer to a supported version: the
// route's own answer up to its last version, Nova's generic 404 above.
func checkSupportedVersion(t *testing.T, r resp, rt mvRoute, v mvVersion) {
	t.Helper()
	inRange := !versionLess(rt.max, v.ver)
	switch {
	case !inRange:
		require.Equal(t, 404, r.Status)
		require.Equal(t, genericNotFound, r.JSON(t))
		require.Equal(t, "application/json; charset=UTF-8", r.Header.Get("Content-Type"))
	case strings.Contains(rt.name, "unknown"):
		require.Equal(t, 404, r.Status)
		require.Equal(t, "Image not found.", r.JSON(t)["itemNotFound"].(map[string]any)["message"])
	default:
		require.Equal(t, 200, r.Status, string(r.Body))
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	}
}

func versionLess(a, b string) bool {
	var am, an, bm, bn int
	parse := func(s string, m, n *int) {
		maj, min, _ := strings.Cut(s, ".")
		for _, c := range maj {
			*m = *m*10 + int(c-'0')
		}
		for _, c := range min {
			*n = *n*10 + int(c-'0')
		}
	}
	parse(a, &am, &an)
	parse(b, &bm, &bn)
	return am < bm || (am == bm && an < bn)
}

func TestLegacyV2IgnoresVersionHeaders(t *testing.T) {
	demo := world.seed.Projects["demo"]
	id := imageID(t, "ref-active")
	for _, path := range []string{"/v2/" + demo + "/images/" + id, "/v2/images/" + id, "/v2/" + demo + "/images/detail?limit=1"} {
		for _, v := range []string{"2.39", "latest", "garbage", "3.0"} {
			r := gw(t, "GET", path, "demo", map[string]string{legacyHdr: v, stdHdr: "compute " + v})
			require.Equal(t, 200, r.Status, path+" "+v)
			requireNoVersionHeaders(t, r)
			require.NotEmpty(t, r.Header.Get("X-OpenStack-Request-Id"))
		}
	}
}

func TestVersionDocuments(t *testing.T) {
	base := world.gw.URL
	r := gw(t, "GET", "/", "", nil)
	require.Equal(t, 200, r.Status)
	requireNoVersionHeaders(t, r)
	require.Empty(t, r.Header.Get("X-OpenStack-Request-Id"))
	require.Equal(t, map[string]any{"versions": []any{
		map[string]any{"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "", "updated": "2011-01-21T11:33:21Z",
			"links": []any{map[string]any{"rel": "self", "href": base + "/v2/"}}},
		map[string]any{"id": "v2.1", "status": "CURRENT", "version": "2.93", "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
			"links": []any{map[string]any{"rel": "self", "href": base + "/v2.1/"}}},
	}}, r.JSON(t))

	v21 := map[string]any{"version": map[string]any{"id": "v2.1", "status": "CURRENT", "version": "2.93", "min_version": "2.1",
		"updated": "2013-07-23T11:33:21Z",
		"links": []any{map[string]any{"rel": "self", "href": base + "/v2.1/"},
			map[string]any{"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}},
		"media-types": []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}}}}
	for _, p := range []string{"/v2.1", "/v2.1/"} {
		r := gw(t, "GET", p, "", map[string]string{legacyHdr: "2.35"})
		require.Equal(t, 200, r.Status, p)
		requireVersionHeaders(t, r, "2.35")
		require.Equal(t, v21, r.JSON(t))
		r = gw(t, "GET", p, "", map[string]string{legacyHdr: "2.abc"})
		require.Equal(t, 400, r.Status, p)
	}
	r = gw(t, "GET", "/v2.1/"+world.seed.Projects["demo"]+"/", "demo", nil)
	require.Equal(t, 200, r.Status)
	require.Equal(t, v21, r.JSON(t))
	r = gw(t, "GET", "/v2.1/versions/v2.1", "demo", nil)
	require.Equal(t, v21, r.JSON(t))
	r = gw(t, "GET", "/v2.1/versions/v3", "demo", nil)
	require.Equal(t, 404, r.Status)
	require.Equal(t, genericNotFound, r.JSON(t))

	for _, p := range []string{"/v2", "/v2/"} {
		r := gw(t, "GET", p, "", map[string]string{legacyHdr: "2.35"})
		require.Equal(t, 200, r.Status)
		requireNoVersionHeaders(t, r)
		require.Equal(t, "v2.0", r.JSON(t)["version"].(map[string]any)["id"])
		require.Equal(t, base+"/v2/", r.JSON(t)["version"].(map[string]any)["links"].([]any)[0].(map[string]any)["href"])
	}

	r = gw(t, "GET", "/images", "", nil)
	require.Equal(t, 300, r.Status)
	choices := r.JSON(t)["choices"].([]any)
	require.Len(t, choices, 2)
	require.Equal(t, base+"/v2.1/images", choices[1].(map[string]any)["links"].([]any)[0].(map[string]any)["href"])
}

func TestRouterNotFoundNeverMethodNotAllowed(t *testing.T) {
	id := imageID(t, "ref-active")
	webob := map[string]any{"message": "The resource could not be found.<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}
	for _, tc := range []struct{ method, path string }{
		{"POST", "/v2.1/images"}, {"PUT", "/v2.1/images/" + id}, {"PATCH", "/v2.1/images/" + id},
		{"GET", "/v2.1/images/"}, {"GET", "/v2.1/images.json"}, {"GET", "/v2.1/not-a-project/images"},
		{"GET", "/v2.1/ABCDEF/images"}, {"DELETE", "/v2.1/images"}, {"GET", "/v2.1/" + world.seed.Projects["demo"]},
		{"GET", "/v2.1/flavors"}, {"GET", "/v2/images/"},
	} {
		r := gw(t, tc.method, tc.path, "demo", map[string]string{legacyHdr: "2.35"})
		require.Equal(t, 404, r.Status, tc)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"), tc)
		require.Equal(t, webob, r.JSON(t), tc)
		requireNoVersionHeaders(t, r)
		require.Empty(t, r.Header.Get("Allow"))
	}
	// HEAD: HTML, no body
	r := gw(t, "HEAD", "/v2.1/images", "demo", nil)
	require.Equal(t, 404, r.Status)
	require.Equal(t, "text/html; charset=UTF-8", r.Header.Get("Content-Type"))
	require.Empty(t, r.Body)
	// without Accept: application/json the page is HTML
	r = do(t, world.gw.URL, "GET", "/v2.1/images/", "demo", map[string]string{"Accept": "text/html"}, "")
	require.Equal(t, 404, r.Status)
	require.Contains(t, string(r.Body), "<title>404 Not Found</title>")
}

func TestContentTypes(t *testing.T) {
	r := gw(t, "GET", "/v2.1/images?limit=1", "demo", map[string]string{"Content-Type": "application/xml"})
	require.Equal(t, 415, r.Status)
	require.Equal(t, map[string]any{"badMediaType": map[string]any{"code": float64(415), "message": "Unsupported Content-Type"}}, r.JSON(t))
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "text/plain", "application/vnd.openstack.compute+json"} {
		r = gw(t, "GET", "/v2.1/images?limit=1", "demo", map[string]string{"Content-Type": ct})
		require.Equal(t, 200, r.Status, ct)
	}
	for accept, want := range map[string]string{
		"application/vnd.openstack.compute+json":                         "application/vnd.openstack.compute+json",
		"application/vnd.openstack.compute+json;q=0.5, application/json": "application/json",
		"application/json;q=0.5, application/vnd.openstack.compute+json": "application/vnd.openstack.compute+json",
		"text/html":       "application/json",
		"application/xml": "application/json",
	} {
		r = gw(t, "GET", "/v2.1/images?limit=1", "demo", map[string]string{"Accept": accept})
		require.Equal(t, 200, r.Status, accept)
		require.Equal(t, want, r.Header.Get("Content-Type"), accept)
	}
}

func TestBodyTooLarge(t *testing.T) {
	big := strings.Repeat("x", 114689)
	r := do(t, world.gw.URL, "POST", "/v2.1/images/x/metadata", "", map[string]string{"Content-Type": "application/json"}, big)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "413 before auth")
	require.Equal(t, "413 Request Entity Too Large", r.JSON(t)["code"])
}

// TestConfiguredCutoffs: operators can emulate another release or cut the
// legacy calls earlier.
func TestConfiguredCutoffs(t *testing.T) {
	srv, err := startGateway(func(c *config.Config) {
		c.MaxVersion, c.ImagesMaxVersion, c.MetadataMaxVersion = "2.60", "2.10", "2.20"
	})
	require.NoError(t, err)
	defer srv.Close()
	r := do(t, srv.URL, "GET", "/v2.1/images?limit=1", "demo", map[string]string{legacyHdr: "2.10"}, "")
	require.Equal(t, 200, r.Status)
	r = do(t, srv.URL, "GET", "/v2.1/images?limit=1", "demo", map[string]string{legacyHdr: "2.11"}, "")
	require.Equal(t, 404, r.Status)
	r = do(t, srv.URL, "GET", "/v2.1/images?limit=1", "demo", map[string]string{legacyHdr: "2.61"}, "")
	require.Equal(t, 406, r.Status)
	require.Contains(t, string(r.Body), "maximum is 2.60.")
	r = do(t, srv.URL, "GET", "/v2.1/images?limit=1", "demo", map[string]string{legacyHdr: "latest"}, "")
	require.Equal(t, "2.60", r.Header.Get(legacyHdr))
}
