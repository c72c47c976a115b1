package proxy

import (
	"cmp"
	"context"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/microversion"
)

// front is one compute endpoint as clients see it: the region whose
// Glance the callers' catalogs name, the public URL its links carry, the
// Nova behind it and the microversion range it serves. Without regions
// imagegw has one, at "/"; with regions, one per region, each under its
// path prefix (issue 18: one fleet for several regions).
type front struct {
	name   string // the catalog region of Glance endpoints
	prefix string // "" without regions, else "/regionone"
	public string // public URL of links, no trailing "/" ("": the request's host and prefix)
	glance string // glance_url ("": the caller's catalog)
	// novaURL is the Nova behind ("": none); nova passes to it (frontNova)
	novaURL string
	nova    *passThrough
	served  atomic.Pointer[versionHeaders]
}

// newFronts builds the fronts of cfg: one per region, each defaulting to
// the top-level nova_url, public_url and glance_url, or the only one.
func newFronts(cfg config.Config) []*front {
	regions := cfg.Regions
	if len(regions) == 0 {
		regions = []config.Region{{Name: cfg.Region}}
	}
	out := make([]*front, len(regions))
	for i, r := range regions {
		f := &front{name: r.Name, prefix: r.Prefix, public: cmp.Or(r.PublicURL, cfg.PublicURL), glance: cmp.Or(r.GlanceURL, cfg.GlanceURL),
			novaURL: cmp.Or(r.NovaURL, cfg.NovaURL)}
		if f.public != "" && r.PublicURL == "" && f.prefix != "" {
			f.public = strings.TrimRight(f.public, "/") + f.prefix // the fleet's URL, then the region's prefix
		}
		f.public = strings.TrimRight(f.public, "/")
		f.served.Store(newVersionHeaders(microversion.Range{Min: microversion.V(2, 1), Max: cfg.Max}))
		out[i] = f
	}
	return out
}

type frontKey struct{}

// regional: requests are dispatched to regions by path prefix.
func (s *Server) regional() bool { return s.fronts[0].prefix != "" }

// frontOf finds the region a path is under and the path below its
// prefix; nil when no region serves it.
func (s *Server) frontOf(path string) (*front, string) {
	for _, f := range s.fronts {
		if rest, ok := strings.CutPrefix(path, f.prefix); ok && (rest == "" || rest[0] == '/') {
			if rest == "" {
				rest = "/"
			}
			return f, rest
		}
	}
	return nil, ""
}

// enterFront places r in its region: the prefix stripped. ok is false
// when no region serves r. imagegw's own endpoints are outside every
// region, whatever prefix a region has.
func (s *Server) enterFront(r *http.Request) (*front, bool) {
	if !s.regional() || s.operatorPath(r.URL.Path) {
		return s.fronts[0], true
	}
	f, rest := s.frontOf(r.URL.Path)
	if f == nil {
		return s.fronts[0], false
	}
	r.URL.Path = rest
	if r.URL.RawPath != "" {
		r.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, f.prefix)
	}
	return f, true
}

// withFront hands f to the pipeline (frontFor); only requests imagegw
// answers itself need it, and only with regions.
func (s *Server) withFront(r *http.Request, f *front) *http.Request {
	if !s.regional() {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), frontKey{}, f))
}

// frontFor is the front of a request enterFront placed.
func (s *Server) frontFor(r *http.Request) *front {
	if !s.regional() {
		return s.fronts[0]
	}
	if f, ok := r.Context().Value(frontKey{}).(*front); ok {
		return f
	}
	return s.fronts[0]
}

// operatorPath: imagegw's own endpoints, outside any region.
func (s *Server) operatorPath(path string) bool {
	switch path {
	case "/healthz", "/readyz":
		return true
	case "/metrics", "/migration":
		return s.cfg.OperatorListen == ""
	}
	return false
}
