package proxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
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

// fakeGlance serves images per project; calls are counted.
type fakeGlance struct {
	mu      sync.Mutex
	images  map[string]translate.GlanceImage // id -> image (owner = project)
	calls   atomic.Int64
	block   chan struct{} // when set, List waits on it
	byToken map[string]string
}

func (f *fakeGlance) project(token string) string { return f.byToken[token] }

func (f *fakeGlance) List(_ context.Context, token, _, query string, _ int64) ([]translate.GlanceImage, error) {
	f.calls.Add(1)
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q, _ := url.ParseQuery(strings.TrimPrefix(query, "?"))
	var out []translate.GlanceImage
	for _, g := range f.images {
		if name := q.Get("name"); name != "" && g["name"] != name {
			continue
		}
		if g.Owner() == f.project(token) {
			out = append(out, g)
		}
	}
	return out, nil
}

// Get, Delete and Patch read the id as Glance's router does ("<id>\n" is <id>).
func (f *fakeGlance) Get(_ context.Context, token, _, id string) (translate.GlanceImage, error) {
	f.calls.Add(1)
	id = translate.CanonicalImageID(id)
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.images[id]
	if !ok || g.Owner() != f.project(token) {
		return nil, &translate.GlanceFault{Status: 404}
	}
	cp := translate.GlanceImage{}
	for k, v := range g {
		cp[k] = v
	}
	return cp, nil
}

func (f *fakeGlance) Delete(_ context.Context, token, _, id string) error {
	f.calls.Add(1)
	id = translate.CanonicalImageID(id)
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.images[id]
	if !ok || g.Owner() != f.project(token) {
		return &translate.GlanceFault{Status: 404}
	}
	delete(f.images, id)
	return nil
}

func (f *fakeGlance) Patch(_ context.Context, token, _, id string, ops []translate.PatchOp) (translate.GlanceImage, error) {
	f.calls.Add(1)
	id = translate.CanonicalImageID(id)
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.images[id]
	for _, op := range ops {
		switch op.Op {
		case "add":
			g[op.Path[1:]] = op.Value
		case "remove":
			delete(g, op.Path[1:])
		}
	}
	return g, nil
}

func newTestServer(t testing.TB, mutate func(*config.Config)) (*Server, *fakeGlance) {
	cfg := config.Defaults()
	if mutate != nil {
		mutate(&cfg)
	}
	require.NoError(t, cfg.Resolve())
	fg := &fakeGlance{images: map[string]translate.GlanceImage{
		"a1": {"id": "a1", "name": "a-one", "owner": "pa", "status": "active", "k": "v"},
		"b1": {"id": "b1", "name": "b-one", "owner": "pb", "status": "active"},
	}, byToken: map[string]string{"ta": "pa", "ta2": "pa", "tadmin": "pa", "tb": "pb"}}
	s := mustNew(t, Deps{Config: cfg, Glance: fg, Tokens: fakeTokens{
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
