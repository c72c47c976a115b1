package upstreamtest

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/imagegw/imagegw/translate"
)

// Glance is a fake Glance v2 image API on an httptest server, in the
// manner of gophercloud's testhelper.FakeServer: tests reach it through
// the real gophercloud client (upstream.GophercloudGlance), so the
// handler, cache and fault tests exercise the same wire. Its named
// handlers serve a small world: images owned by projects, a token per
// project; Fault, Block and BeforePatch bend it for one test.
type Glance struct {
	*httptest.Server
	mu sync.Mutex
	// Images by id; "owner" is the project that sees and changes it.
	Images map[string]translate.GlanceImage
	// Members: image id → projects it is shared with (accepted); they
	// see it too. Change it under Lock.
	Members map[string]map[string]bool
	// Projects maps tokens to projects.
	Projects map[string]string
	// Calls counts every request.
	Calls atomic.Int64
	// Block, when set, holds image lists until it is closed.
	Block chan struct{}
	// Fault, when set, sees request n (from 1) first: it answers it and
	// returns true, or returns false to let the fake answer.
	Fault func(n int64, w http.ResponseWriter, r *http.Request) bool
	// BeforePatch, when set, runs in each PATCH before it applies.
	BeforePatch func(id string)
}

// NewGlance starts an empty fake Glance, closed when the test ends.
func NewGlance(tb testing.TB) *Glance {
	g := &Glance{Images: map[string]translate.GlanceImage{}, Projects: map[string]string{}}
	g.Server = httptest.NewServer(g)
	tb.Cleanup(g.Close)
	return g
}

// Client reaches the fake whatever host a URL names, so catalog URLs in a
// test's tokens can stay as they read.
func (g *Glance) Client() *http.Client {
	addr := g.Listener.Addr().String()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	return &http.Client{Transport: tr}
}

// ServeHTTP routes Glance's image calls to the named handlers.
func (g *Glance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := g.Calls.Add(1)
	if g.Fault != nil && g.Fault(n, w, r) {
		return
	}
	id, isImage := strings.CutPrefix(r.URL.Path, "/v2/images/")
	switch {
	case r.URL.Path == "/v2/images" && r.Method == http.MethodGet:
		g.HandleList(w, r)
	case isImage && r.Method == http.MethodGet:
		g.HandleShow(w, r, translate.CanonicalImageID(id))
	case isImage && r.Method == http.MethodDelete:
		g.HandleDelete(w, r, translate.CanonicalImageID(id))
	case isImage && r.Method == http.MethodPatch:
		g.HandlePatch(w, r, translate.CanonicalImageID(id))
	default:
		http.NotFound(w, r)
	}
}

// HandleList is GET /v2/images: the caller's project's images, filtered by
// name; one page.
func (g *Glance) HandleList(w http.ResponseWriter, r *http.Request) {
	if g.Block != nil {
		<-g.Block
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	project, name := g.Projects[r.Header.Get("X-Auth-Token")], r.URL.Query().Get("name")
	out := []translate.GlanceImage{}
	for _, im := range g.Images {
		if g.sees(project, im) && (name == "" || im["name"] == name) {
			out = append(out, im)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"images": out, "schema": "/v2/schemas/images"})
}

// visible is the caller's image (Glance answers 404 for others' images).
func (g *Glance) visible(r *http.Request, id string) (translate.GlanceImage, bool) {
	im, ok := g.Images[id]
	return im, ok && g.sees(g.Projects[r.Header.Get("X-Auth-Token")], im)
}

func (g *Glance) sees(project string, im translate.GlanceImage) bool {
	return im.Owner() == project || g.Members[im.ID()][project]
}

// Lock and Unlock guard Images and Members against the handlers.
func (g *Glance) Lock()   { g.mu.Lock() }
func (g *Glance) Unlock() { g.mu.Unlock() }

// HandleShow is GET /v2/images/{id}.
func (g *Glance) HandleShow(w http.ResponseWriter, r *http.Request, id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if im, ok := g.visible(r, id); ok {
		writeJSON(w, http.StatusOK, im)
		return
	}
	notFound(w, id)
}

// HandleDelete is DELETE /v2/images/{id}.
func (g *Glance) HandleDelete(w http.ResponseWriter, r *http.Request, id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.visible(r, id); !ok {
		notFound(w, id)
		return
	}
	delete(g.Images, id)
	w.WriteHeader(http.StatusNoContent)
}

// HandlePatch is PATCH /v2/images/{id} with a JSON patch of add, replace
// and remove operations on top-level properties.
func (g *Glance) HandlePatch(w http.ResponseWriter, r *http.Request, id string) {
	if g.BeforePatch != nil {
		g.BeforePatch(id)
	}
	var ops []struct {
		Op, Path string
		Value    any
	}
	if err := json.NewDecoder(r.Body).Decode(&ops); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	im, ok := g.visible(r, id)
	if !ok {
		notFound(w, id)
		return
	}
	for _, op := range ops {
		if op.Op == "remove" {
			delete(im, op.Path[1:])
		} else {
			im[op.Path[1:]] = op.Value
		}
	}
	writeJSON(w, http.StatusOK, im)
}

func notFound(w http.ResponseWriter, id string) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("<html><body><h1>404 Not Found</h1>No image found with ID " + id + "</body></html>"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
