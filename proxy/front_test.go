package proxy

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/proxy/upstream/upstreamtest"
	"github.com/imagegw/imagegw/translate"
)

// twoRegions is a server with regions, each with its own fake Glance
// (glance-one.test, glance-two.test in the caller's catalog as RegionOne
// and RegionTwo) holding one image of project pa; the fakes by host.
func twoRegions(t *testing.T, entries ...string) (*Server, map[string]*upstreamtest.Glance) {
	t.Helper()
	glances := map[string]*upstreamtest.Glance{}
	for host, img := range map[string]string{"glance-one.test:80": "one", "glance-two.test:80": "two"} {
		fg := upstreamtest.NewGlance(t)
		fg.Images[img] = translate.GlanceImage{"id": img, "name": "image-" + img, "owner": "pa", "status": "active"}
		fg.Projects = map[string]string{"ta": "pa"}
		glances[host] = fg
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, glances[addr].Listener.Addr().String())
	}}}
	cfg := config.Defaults()
	cfg.CacheTTLList, cfg.CacheTTLImage, cfg.CacheTTLMetadata = time.Hour, time.Hour, time.Hour
	cfg.RegionEntries = entries
	require.NoError(t, cfg.Resolve())
	id := &upstream.Identity{ProjectID: "pa", Roles: []string{"member"}, ExpiresAt: time.Now().Add(time.Hour),
		Catalog: []tokens.CatalogEntry{{Type: "image", Endpoints: []tokens.Endpoint{
			{Interface: "public", Region: "RegionOne", URL: "http://glance-one.test"},
			{Interface: "public", Region: "RegionTwo", URL: "http://glance-two.test"}}}}}
	return mustNew(t, Deps{Config: cfg, Glance: &upstream.GophercloudGlance{HTTPClient: client},
		Tokens: fakeTokens{"ta": id}, AuthURI: "http://keystone.test"}), glances
}

func imageNames(t *testing.T, body string) []string {
	t.Helper()
	var v struct {
		Images []struct {
			Name  string `json:"name"`
			Links []struct {
				Href string `json:"href"`
			} `json:"links"`
		} `json:"images"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &v), body)
	var out []string
	for _, im := range v.Images {
		out = append(out, im.Name+" "+im.Links[0].Href)
	}
	return out
}

// Each region's callers see its Glance alone, with links under its
// prefix, through one cache; a path under no region is a 404 that says
// so; imagegw's own endpoints stay at the root.
func TestRegionsServeTheirOwnGlance(t *testing.T) {
	for name, entries := range map[string][]string{
		"from the catalog": {"RegionOne /one", "RegionTwo /two"},
		"glance_url":       {"A /one glance_url=http://glance-one.test", "B /two glance_url=http://glance-two.test"},
	} {
		t.Run(name, func(t *testing.T) {
			s, glances := twoRegions(t, entries...)
			calls := func() int64 {
				return glances["glance-one.test:80"].Calls.Load() + glances["glance-two.test:80"].Calls.Load()
			}
			var misses int64
			for round := range 2 { // a miss, then a hit: the cache keeps regions apart
				require.Equal(t, []string{"image-one http://gw.test/one/v2.1/images/one"},
					imageNames(t, get(s, "GET", "/one/v2.1/images", "ta", "").Body.String()))
				require.Equal(t, []string{"image-two http://gw.test/two/v2.1/images/two"},
					imageNames(t, get(s, "GET", "/two/v2.1/images", "ta", "").Body.String()))
				if round == 0 {
					misses = calls()
				}
			}
			require.Equal(t, misses, calls(), "the second round came from the cache")
			require.Equal(t, 404, get(s, "GET", "/two/v2.1/images/one", "ta", "").Code, "another region's image")
			for _, p := range []string{"/v2.1/images", "/three/v2.1/images", "/onex/v2.1/images", "/"} {
				rec := get(s, "GET", p, "ta", "")
				require.Equal(t, 404, rec.Code, p)
				require.Contains(t, rec.Body.String(), "No region of this compute endpoint is served under", p)
			}
			require.Equal(t, 200, get(s, "GET", "/healthz", "", "").Code)
			doc := get(s, "GET", "/two/v2.1/", "", "").Body.String()
			require.Contains(t, doc, `"href":"http://gw.test/two/v2.1/"`)
		})
	}
}

// Each region passes to its own Nova, below its prefix, with the prefix
// forwarded for the links Nova builds.
func TestRegionsPassThroughToTheirNova(t *testing.T) {
	n1, n2 := upstreamtest.NewNova(t), upstreamtest.NewNova(t)
	s, _ := twoRegions(t, "RegionOne /one nova_url="+n1.URL, "RegionTwo /two nova_url="+n2.URL+" public_url=https://two.example/compute")
	require.NoError(t, frontNovas(s, s.cfg)) // as Build wires them
	t.Cleanup(s.Close)
	for _, tt := range []struct {
		path   string
		nova   *upstreamtest.Nova
		host   string
		prefix string
	}{
		{"/one/v2.1/flavors", n1, "gw.test", "/one"},
		{"/two/v2.1/flavors", n2, "two.example", "/compute"},
	} {
		rec := get(s, "GET", tt.path, "ta", "")
		var seen upstreamtest.Seen
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &seen), rec.Body.String())
		require.Equal(t, "/v2.1/flavors", seen.Path)
		require.Equal(t, tt.host, seen.Host)
		require.Equal(t, tt.prefix, seen.Header.Get("X-Forwarded-Prefix"))
		require.EqualValues(t, 1, tt.nova.Requests.Load(), tt.path)
	}
	require.Equal(t, 200, get(s, "GET", "/one/v2.1/images", "ta", "").Code, "image routes stay imagegw's")
	require.True(t, strings.Contains(get(s.OperatorHandler(), "GET", "/healthz", "", "").Body.String(), "ok"))
}

// imagegw's own endpoints stay imagegw's, even under a region whose
// prefix is one of their paths.
func TestOperatorPathsAreOutsideEveryRegion(t *testing.T) {
	s, _ := twoRegions(t, "RegionOne /healthz", "RegionTwo /two")
	rec := get(s, "GET", "/healthz", "", "")
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "ok")
	require.Equal(t, []string{"image-one http://gw.test/healthz/v2.1/images/one"},
		imageNames(t, get(s, "GET", "/healthz/v2.1/images", "ta", "").Body.String()), "the region below its prefix")
}
