package proxy

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/translate"
)

// route is one of Nova's image proxy routes, declared once: the table
// feeds the router (under every API mount), the metrics label and the
// migration report.
type route struct {
	method, path string // under each of apiPrefixes
	op           string // metrics label and migration report row
	native       string // the Glance v2 call that replaces it
	group        routeGroup
	body         bool // a JSON request body (parsed after the content type check)
	handler      func(*Server) handler
}

// routeGroup is the microversion cut-off a route obeys.
type routeGroup int

const (
	imageRoutes    routeGroup = iota // up to images_max_version (2.35)
	metadataRoutes                   // up to metadata_max_version (2.38)
)

// last is the last microversion serving the group.
func (g routeGroup) last(s *Server) microversion.Version {
	if g == metadataRoutes {
		return s.cfg.MetadataMax
	}
	return s.cfg.ImagesMax
}

// routes are Nova's image proxy API (nova/api/openstack/compute/routes.py:
// images and image_metadata), in its order.
var routes = []route{
	{"GET", "/images", "images.list", "GET /v2/images", imageRoutes, false,
		func(s *Server) handler { return s.read(kindList, s.listImages(false)) }},
	{"GET", "/images/detail", "images.detail", "GET /v2/images", imageRoutes, false,
		func(s *Server) handler { return s.read(kindList, s.listImages(true)) }},
	{"GET", "/images/:id", "images.show", "GET /v2/images/{id}", imageRoutes, false,
		func(s *Server) handler { return s.read(kindImage, s.showImage) }},
	{"DELETE", "/images/:id", "images.delete", "DELETE /v2/images/{id}", imageRoutes, false,
		func(s *Server) handler { return s.deleteImage }},
	{"GET", "/images/:id/metadata", "metadata.index", "GET /v2/images/{id} (custom properties)", metadataRoutes, false,
		func(s *Server) handler { return s.read(kindMetadata, s.metadataIndex) }},
	{"POST", "/images/:id/metadata", "metadata.create", "PATCH /v2/images/{id} (add)", metadataRoutes, true,
		func(s *Server) handler { return s.metadataWrite(translate.CreateMetadata) }},
	{"PUT", "/images/:id/metadata", "metadata.update_all", "PATCH /v2/images/{id} (add/remove)", metadataRoutes, true,
		func(s *Server) handler { return s.metadataWrite(translate.UpdateAllMetadata) }},
	{"GET", "/images/:id/metadata/:key", "metadata.show", "GET /v2/images/{id}", metadataRoutes, false,
		func(s *Server) handler { return s.read(kindMetadata, s.metadataShow) }},
	{"PUT", "/images/:id/metadata/:key", "metadata.update", "PATCH /v2/images/{id} (add)", metadataRoutes, true,
		func(s *Server) handler { return s.metadataWrite(translate.UpdateMetadataItem) }},
	{"DELETE", "/images/:id/metadata/:key", "metadata.delete", "PATCH /v2/images/{id} (remove)", metadataRoutes, false,
		func(s *Server) handler { return s.metadataWrite(translate.DeleteMetadataItem) }},
}

// apiPrefixes are where Nova serves the routes: the v2.1 API and the
// legacy v2 one, each with and without the project id.
var apiPrefixes = []string{"/v2.1", "/v2.1/:project_id", "/v2", "/v2/:project_id"}

// routeKey is a registered Echo route (method and path pattern).
type routeKey struct{ method, path string }

// registerRoutes adds every route under every prefix and returns the
// table's entry of each registered pattern (the request log finds its
// route's label there: one map lookup, no allocation).
func (s *Server) registerRoutes(e *echo.Echo) map[routeKey]*route {
	byKey := make(map[routeKey]*route, len(routes)*len(apiPrefixes))
	for i := range routes {
		r := &routes[i]
		h := s.api(r, r.handler(s))
		for _, prefix := range apiPrefixes {
			e.Add(r.method, prefix+r.path, h)
			byKey[routeKey{r.method, prefix + r.path}] = r
		}
	}
	return byKey
}

// pathKind is where a path falls in Nova's URL map (api-paste.ini).
type pathKind int

const (
	outsideAPI pathKind = iota // "/" and anything not under a mount: version choices
	mountDoc                   // "/v2" or "/v2.1": the mount's version document
	mountRoot                  // "/v2/" or "/v2.1/": the document too, inside the API app
	inAPI                      // deeper under a mount: routed, token required
)

// pathClass is what imagegw needs to know about a request path.
type pathClass struct {
	kind pathKind
	// legacy: under /v2, served as the v2.1 API in its v2-compatible mode
	// (microversion headers ignored, none sent).
	legacy bool
}

// classify places a path in Nova's URL map.
func classify(p string) pathClass {
	for _, m := range [...]struct {
		mount  string
		legacy bool
	}{{"/v2.1", false}, {"/v2", true}} {
		rest, ok := strings.CutPrefix(p, m.mount)
		switch {
		case !ok:
			continue
		case rest == "":
			return pathClass{mountDoc, m.legacy}
		case rest == "/":
			return pathClass{mountRoot, m.legacy}
		case rest[0] == '/':
			return pathClass{inAPI, m.legacy}
		}
	}
	return pathClass{kind: outsideAPI}
}

// underMount: the request reaches one of the API apps (request ids,
// microversions, router 404s).
func (p pathClass) underMount() bool { return p.kind != outsideAPI }

// needsToken: keystonemiddleware guards it.
func (p pathClass) needsToken() bool { return p.kind == inAPI }
