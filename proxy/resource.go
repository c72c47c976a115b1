package proxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/labstack/echo/v4"

	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/translate"
)

// The steps Nova's wsgi.Resource runs after routing, before the
// controller (pipeline.go lists the whole pipeline): api runs them in
// Nova's order, then the route's handler.

// api wraps a route's handler with the steps after routing, then writes
// its answer.
func (s *Server) api(rt *route, h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		rq := requestOf(c)
		if err := s.resourceSteps(rq, rt); err != nil {
			return err
		}
		s.deprecationHeaders(rq)
		res, err := h(rq)
		if err != nil {
			return err
		}
		return writeResponse(rq, res)
	}
}

// resourceSteps are steps 9-13, in Nova's order; on success the request
// holds what handlers read.
func (s *Server) resourceSteps(rq *request, rt *route) error {
	if err := contentTypeStep(rq.Request()); err != nil {
		return err
	}
	body, err := bodyStep(rq, rt)
	if err != nil {
		return err
	}
	if rq.identity == nil {
		return translate.Unexpected("Exception", errors.New("no identity on an authenticated route"))
	}
	if err := s.scopeSteps(rq, rt); err != nil {
		return err
	}
	glanceURL, err := s.glanceEndpoint(rq.front, rq.identity)
	if err != nil {
		return err
	}
	if err := s.brownoutStep(rq, rt); err != nil {
		return err
	}
	s.prepare(rq, glanceURL, body)
	return nil
}

// contentTypeStep: Nova parses the body as JSON for these request content
// types (parameters ignored) and answers 415 for any other, body or not.
func contentTypeStep(r *http.Request) error {
	if acceptedContentType(r.Header.Get("Content-Type")) {
		return nil
	}
	return &translate.Error{Status: http.StatusUnsupportedMediaType, Message: translate.MsgUnsupportedMedia}
}

func acceptedContentType(ct string) bool {
	if strings.TrimSpace(ct) == "" {
		return true
	}
	// webob compares the media type case-sensitively: APPLICATION/JSON is 415
	mt, _, _ := strings.Cut(ct, ";")
	switch strings.TrimSpace(mt) {
	case "application/json", "application/vnd.openstack.compute+json", "text/plain":
		return true
	}
	return false
}

// bodyStep reads and parses the JSON body of a route that has one (400
// "Malformed request body"), before the project and version checks, as
// Nova does.
func bodyStep(c echo.Context, rt *route) (any, error) {
	r := c.Request()
	if !rt.body || r.Body == nil {
		return nil, nil
	}
	raw, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, bodyReadError(c, err)
	}
	body, perr := translate.ParseBody(raw)
	if perr != nil {
		return nil, perr
	}
	return body, nil
}

// bodyReadError answers a request body that could not be read: the
// client, not the server, failed. Nova's eventlet server answers a body
// that stops arriving with 500 computeFault after client_socket_timeout;
// imagegw answers 408 (RFC 9110 §15.5.9) in Nova's fault shape with
// webob's HTTPRequestTimeout text, and logs it as a client error. Any
// other read failure (the body ends early or its chunking is broken) is a
// malformed body. Either way the connection is closed: what is left on it
// is not a request.
func bodyReadError(c echo.Context, err error) error {
	c.Response().Header().Set("Connection", "close")
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &translate.Error{Status: http.StatusRequestTimeout, Message: translate.MsgRequestTimeout, Cause: err}
	}
	return &translate.Error{Status: http.StatusBadRequest, Message: translate.MsgMalformedBody, Cause: err}
}

// scopeSteps: the project id in the URL must be the token's (400), and
// the version must be within the route's range (404; legacy /v2 has none).
func (s *Server) scopeSteps(rq *request, rt *route) error {
	if pid := rq.Param("project_id"); pid != "" && pid != rq.identity.ProjectID {
		return translate.ProjectMismatch(pid, rq.identity.ProjectID)
	}
	if !rq.legacy && rt.group.last(s).Less(rq.ver) {
		return translate.NotFound()
	}
	return nil
}

// glanceEndpoint is the front's glance_url, else the image endpoint of
// the front's region in the caller's catalog (Nova's [glance]
// api_servers, else the catalog).
func (s *Server) glanceEndpoint(f *front, id *upstream.Identity) (string, error) {
	if f.glance != "" {
		return f.glance, nil
	}
	if u, ok := upstream.CatalogURL(id.Catalog, "image", f.name, s.cfg.Interface); ok {
		return u, nil
	}
	return "", noGlanceEndpoint(id.Catalog, f.name)
}

// noGlanceEndpoint is Nova's answer when the token's catalog has no image
// endpoint: keystoneauth's EmptyCatalog for a token without any catalog
// (an unscoped token of a user with no default project, measured on Nova
// Zed), EndpointNotFound otherwise.
func noGlanceEndpoint(catalog []tokens.CatalogEntry, region string) error {
	if len(catalog) == 0 {
		return translate.Unexpected("keystoneauth1.exceptions.catalog.EmptyCatalog",
			errors.New("the token has no service catalog"))
	}
	return translate.Unexpected("keystoneauth1.exceptions.catalog.EndpointNotFound",
		errors.New("no image endpoint in the token's catalog for region "+region))
}

// brownoutStep answers a browned-out call as above the route's range.
func (s *Server) brownoutStep(rq *request, rt *route) error {
	if !s.brownout(s.now()) {
		return nil
	}
	rq.brownout = true
	s.metrics.brownouts.WithLabelValues(rt.op).Inc()
	return translate.NotFound()
}

// prepare copies what handlers read out of the Echo context.
func (s *Server) prepare(rq *request, glanceURL string, body any) {
	r, id := rq.Request(), rq.identity
	mount := "/v2.1"
	if rq.legacy {
		mount = "/v2"
	}
	// Nova's links carry the project id when the request URL did
	project := ""
	if pid := id.ProjectID; pid != "" && (strings.Contains(r.RequestURI, pid) || s.baseContains(r, pid)) {
		project = pid
	}
	rq.glanceURL, rq.body = glanceURL, body
	rq.app = s.appParts(r, mount)
	rq.links, rq.linksBuilt = translate.Links{Project: project}, false
	rq.imageID, rq.key = rq.Param("id"), rq.Param("key")
	rq.image = translate.CanonicalImageID(rq.imageID)
	rq.path, rq.query = r.URL.Path, r.URL.RawQuery
	rq.contentType = successType(rq)
}
