package proxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/proxy/upstream/upstreamtest"
	"github.com/imagegw/imagegw/translate"
)

// fakeTokens maps tokens to identities.
type fakeTokens map[string]*upstream.Identity

func (f fakeTokens) Validate(_ context.Context, token string) (*upstream.Identity, error) {
	if id, ok := f[token]; ok {
		return id, nil
	}
	return nil, upstream.ErrInvalidToken
}

func identity(project string, roles ...string) *upstream.Identity {
	return &upstream.Identity{ProjectID: project, Roles: roles, ExpiresAt: time.Now().Add(time.Hour),
		Catalog: []tokens.CatalogEntry{{Type: "image", Endpoints: []tokens.Endpoint{
			{Interface: "public", Region: "RegionOne", URL: "http://glance.test"}}}}}
}

func newTestServer(t testing.TB, mutate func(*config.Config)) (*Server, *upstreamtest.Glance) {
	cfg := config.Defaults()
	// Nothing expires during a test (the 2 s defaults did, under -race, in
	// a test that counts hits); tests of lifetimes set their own.
	cfg.CacheTTLList, cfg.CacheTTLImage, cfg.CacheTTLMetadata = time.Hour, time.Hour, time.Hour
	if mutate != nil {
		mutate(&cfg)
	}
	require.NoError(t, cfg.Resolve())
	fg := upstreamtest.NewGlance(t)
	fg.Images["a1"] = translate.GlanceImage{"id": "a1", "name": "a-one", "owner": "pa", "status": "active", "k": "v"}
	fg.Images["b1"] = translate.GlanceImage{"id": "b1", "name": "b-one", "owner": "pb", "status": "active"}
	fg.Projects = map[string]string{"ta": "pa", "ta2": "pa", "tadmin": "pa", "tb": "pb"}
	s := mustNew(t, Deps{Config: cfg, Glance: &upstream.GophercloudGlance{HTTPClient: fg.Client()}, Tokens: fakeTokens{
		"ta": identity("pa", "member"), "ta2": identity("pa", "member"),
		"tadmin": identity("pa", "admin", "member"), "tb": identity("pb", "member"),
	}, AuthURI: "http://keystone.test"})
	return s, fg
}

func get(s http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, path, stringsReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.Host = "gw.test"
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func newReq(method, path, token string) *http.Request {
	req := httptest.NewRequest(method, path, nil)
	req.Host = "gw.test"
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	return req
}

func newRec() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// mustNew is New for tests: the Config must Check.
func mustNew(tb testing.TB, d Deps) *Server {
	tb.Helper()
	s, err := New(d)
	require.NoError(tb, err)
	return s
}
