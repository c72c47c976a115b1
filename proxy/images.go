package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/translate"
)

// call is one authenticated, version-checked API request.
type call struct {
	c         echo.Context
	st        *reqState
	id        *Identity
	token     string
	version   microversion.Version
	legacy    bool
	glanceURL string
	// app is the application URL (links.App) in three parts: a cache hit
	// writes them into its key and never needs the URL itself.
	app [3]string
	// links: Project is set by route, App and Glance on first use of
	// viewLinks.
	links      translate.Links
	linksBuilt bool
	// What handlers read of the request, copied out of the Echo context:
	// a shared cache fill may outlive the request that started it, and
	// Echo reuses a finished request's context.
	imageID, key string
	// image is the image Glance acts on for imageID
	// (translate.CanonicalImageID): the cache scope and write lock of
	// every spelling of it. Glance is sent imageID, as Nova sends it.
	image       string
	path, query string
	contentType string // of a successful response
	// body is the parsed JSON request body (routes with a body only).
	body any
	// scope: what a list answer depends on, set by the list view.
	scope *entryScope
	// wrote: a metadata write reached Glance's PATCH and Glance did not
	// refuse it.
	wrote bool
}

// viewLinks are the link bases of Nova's views.
func (k *call) viewLinks() translate.Links {
	if !k.linksBuilt {
		k.links.App = k.app[0] + k.app[1] + k.app[2]
		k.links.Glance = GlanceLinkBase(k.glanceURL)
		k.linksBuilt = true
	}
	return k.links
}

// ctx is the request's context with its request_timeout deadline.
func (k *call) ctx() context.Context { return k.st.context() }

func (s *Server) imagesRange() microversion.Version   { return s.cfg.ImagesMax }
func (s *Server) metadataRange() microversion.Version { return s.cfg.MetadataMax }

// acceptedContentType: Nova parses the body as JSON for these request
// content types (parameters ignored) and answers 415 for any other.
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

// api wraps a handler with the checks Nova runs after routing, in Nova's
// order: content type (415), project id in the URL (400), the route's
// microversion range (404); then resolves Glance and the link bases.
func (s *Server) api(max func() microversion.Version, h func(*call) error) echo.HandlerFunc {
	return s.route(max, false, h)
}

// apiBody is api for routes with a JSON body, parsed (400 "Malformed
// request body") after the content type check and before the project and
// microversion checks, as Nova does.
func (s *Server) apiBody(max func() microversion.Version, h func(*call) error) echo.HandlerFunc {
	return s.route(max, true, h)
}

func (s *Server) route(max func() microversion.Version, withBody bool, h func(*call) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !acceptedContentType(r.Header.Get("Content-Type")) {
			return &translate.Error{Status: http.StatusUnsupportedMediaType, Message: translate.MsgUnsupportedMedia}
		}
		var body any
		if withBody && r.Body != nil {
			raw, err := io.ReadAll(r.Body)
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
			}
			if err != nil {
				return bodyReadError(c, err)
			}
			var perr *translate.Error
			if body, perr = translate.ParseBody(raw); perr != nil {
				return perr
			}
		}
		st := stateOf(c)
		k := &st.k
		id, token := st.identity, st.token
		if id == nil {
			return translate.Unexpected("Exception", errors.New("no identity on an authenticated route"))
		}
		if pid := c.Param("project_id"); pid != "" && pid != id.ProjectID {
			return translate.ProjectMismatch(pid, id.ProjectID)
		}
		v, legacy := st.ver, st.legacy
		if !legacy && max().Less(v) {
			return translate.NotFound()
		}
		glanceURL := s.cfg.GlanceURL
		if glanceURL == "" {
			var ok bool
			glanceURL, ok = CatalogURL(id.Catalog, "image", s.cfg.Region, s.cfg.Interface)
			if !ok {
				return noGlanceEndpoint(id.Catalog, s.cfg.Region)
			}
		}
		if s.brownout(s.now()) {
			st.brownout = true
			if op, _ := opOf(r.Method, c.Path()); op != "" {
				s.metrics.brownouts.WithLabelValues(op).Inc()
			}
			return translate.NotFound()
		}
		mount := "/v2.1"
		if legacy {
			mount = "/v2"
		}
		project := ""
		if pid := id.ProjectID; pid != "" && (strings.Contains(r.RequestURI, pid) || s.baseContains(r, pid)) {
			project = pid
		}
		*k = call{
			c: c, st: st, id: id, token: token, version: v, legacy: legacy,
			glanceURL: glanceURL, body: body,
			app:     s.appParts(r, mount),
			links:   translate.Links{Project: project},
			imageID: c.Param("id"), image: translate.CanonicalImageID(c.Param("id")),
			key: c.Param("key"), path: r.URL.Path, query: r.URL.RawQuery,
			contentType: successType(c),
		}
		s.deprecationHeaders(k)
		return h(k)
	}
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

// asFault maps an upstream error with the given mapping; anything that is
// not a Glance fault (a cancelled request) is an unexpected error.
func asFault(err error, mapping func(*translate.GlanceFault) *translate.Error) error {
	var gf *translate.GlanceFault
	if errors.As(err, &gf) {
		return mapping(gf)
	}
	return translate.Unexpected("Exception", err)
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

func ok(c echo.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return translate.Unexpected("TypeError", err)
	}
	return writeBody(c, http.StatusOK, successType(c), b)
}

type imageList struct {
	Images      any              `json:"images"`
	ImagesLinks []translate.Link `json:"images_links,omitempty"`
}

// listImages serves GET /images and /images/detail.
func (s *Server) listImages(detail bool) func(*call) (any, error) {
	collection := "images"
	if detail {
		collection = "images/detail"
	}
	return func(k *call) (any, error) {
		q, qerr := translate.ParseList(k.query)
		if qerr != nil {
			return nil, qerr
		}
		imgs, err := s.glance.List(k.ctx(), k.token, k.glanceURL, q.GlanceQuery(), q.Limit)
		if err != nil {
			return nil, asFault(err, translate.ListError)
		}
		out := imageList{}
		if detail {
			views := make([]translate.ImageDetail, len(imgs))
			for i, g := range imgs {
				views[i] = translate.Detail(g, k.viewLinks())
			}
			out.Images = views
		} else {
			views := make([]translate.ImageBasic, len(imgs))
			for i, g := range imgs {
				views[i] = translate.Basic(g, k.viewLinks())
			}
			out.Images = views
		}
		ids := make([]string, len(imgs))
		for i, g := range imgs {
			ids[i] = g.ID()
		}
		k.scope = s.cache.writes.listScope(k.glanceURL, q.Marker, ids, q.MetadataSensitive())
		if n := len(imgs); n > 0 {
			if href := q.NextLink(k.viewLinks().Collection(collection), n, imgs[n-1].ID()); href != "" {
				out.ImagesLinks = []translate.Link{{Rel: "next", Href: href}}
			}
		}
		return out, nil
	}
}

// showImage serves GET /images/{id}.
func (s *Server) showImage(k *call) (any, error) {
	g, err := s.glance.Get(k.ctx(), k.token, k.glanceURL, k.imageID)
	if err != nil {
		return nil, asFault(err, translate.ShowError)
	}
	return map[string]translate.ImageDetail{"image": translate.Detail(g, k.viewLinks())}, nil
}

// deleteImage serves DELETE /images/{id}.
func (s *Server) deleteImage(k *call) error {
	err := s.glance.Delete(k.ctx(), k.token, k.glanceURL, k.imageID)
	if mayHaveChanged(err) {
		s.invalidate(k, true)
	}
	if err != nil {
		return asFault(err, translate.DeleteError)
	}
	return noContent(k.c)
}

// read serves a cacheable GET: the view is serialised once and the bytes
// are cached under the caller's project and roles; concurrent identical
// misses share one upstream call.
func (s *Server) read(kind cacheKind, view func(*call) (any, error)) func(*call) error {
	return func(k *call) error {
		rl := k.st
		ttl := s.cache.ttl[kind]
		if ttl <= 0 {
			rl.cache = "off"
			res, err := render(k, view)
			if err != nil {
				return err
			}
			return writeBody(k.c, http.StatusOK, res.ContentType, res.Body)
		}
		key := cacheKey(kind, k)
		head := s.cache.writes.head.Load()
		if c, hit := s.cache.store.Get(key); hit && s.cache.usable(c, head) {
			rl.cache = "hit"
			return writeBody(k.c, http.StatusOK, c.ContentType, c.Body)
		}
		rl.cache = "miss"
		// The flight serves every waiter: the first caller leaving must not
		// cancel it (the upstream timeout still bounds it). Its copy of the
		// call is made here, before it starts: the flight runs in its own
		// goroutine and must not read this request's state as it changes.
		ctx := k.ctx()
		if err := ctx.Err(); err != nil { // out of time already (a slow token check)
			return err
		}
		first := *k
		detached := *k.st
		detached.ctx = context.WithoutCancel(detached.base)
		first.st, first.c = &detached, nil
		ch := s.cache.flight.DoChan(key+"\x00"+strconv.FormatUint(head, 10), func() (_ any, err error) {
			// singleflight re-panics in its own goroutine (the process
			// would die): a panic is this request's 500, as elsewhere.
			defer func() {
				if r := recover(); r != nil {
					err = translate.Unexpected("Exception", fmt.Errorf("panic: %v", r))
				}
			}()
			res, err := render(&first, view)
			if err != nil {
				return nil, err
			}
			res.Gen.Store(head)
			res.scope = first.scope
			if res.scope == nil { // show, metadata: the image alone
				w := s.cache.writes
				res.scope = &entryScope{glance: w.scopeHash(first.glanceURL), image: w.imageHash(first.glanceURL, first.image)}
			}
			// A write since the fill started that touches the answer makes it
			// dead on arrival: keep whatever newer entry there is.
			if s.cache.writes.fresh(res.scope, head, s.cache.writes.head.Load()) {
				s.cache.store.Set(key, res, ttl)
			}
			return res, nil
		})
		var fr singleflight.Result
		select {
		case fr = <-ch:
		case <-ctx.Done(): // each waiter keeps its own request deadline
			return ctx.Err()
		}
		if fr.Shared {
			rl.cache = "shared"
		}
		if fr.Err != nil {
			return fr.Err
		}
		v := fr.Val
		res := v.(*Cached)
		return writeBody(k.c, http.StatusOK, res.ContentType, res.Body)
	}
}

func render(k *call, view func(*call) (any, error)) (*Cached, error) {
	v, err := view(k)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, translate.Unexpected("TypeError", err)
	}
	return &Cached{ContentType: k.contentType, Body: b}, nil
}

// invalidate makes everything cached about the call's image, and the
// lists it can change, stale before the write's response is sent.
func (s *Server) invalidate(k *call, isDelete bool) {
	s.cache.writes.record(k.glanceURL, k.image, isDelete)
}

// mayHaveChanged tells whether a Glance write that returned err may have
// changed the image: it did unless Glance refused it (4xx). A write that
// timed out or failed in transport may have been applied.
func mayHaveChanged(err error) bool {
	var gf *translate.GlanceFault
	return !errors.As(err, &gf) || gf.Status < 400 || gf.Status >= 500
}

// noContent is Nova's 204: Content-Type application/json, empty body.
func noContent(c echo.Context) error {
	c.Response().Header().Set("Content-Type", "application/json")
	c.Response().WriteHeader(http.StatusNoContent)
	return nil
}
