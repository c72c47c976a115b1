package proxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/translate"
)

// Nova's request pipeline, in Nova's order (eventlet's server, then
// api-paste.ini's composite for /v2 and /v2.1, then the API router and
// wsgi.Resource); every step is a small function, here or in resource.go:
//
//	before routing (ServeHTTP):
//	  0. enterFront      with regions, the region of the path prefix, which
//	                     is stripped (front.go); 404 under none
//	     passThrough     with nova_url, what is not an image proxy call goes
//	                     to nova-api as it came (passthrough.go)
//	  1. requestLimits   eventlet: request line 414, header lines 400
//	  2. normalizePath   routes: decoded path, "//" collapsed, final "\n" dropped
//	  3. OPTIONS         cors: 200, empty, before authentication
//	after routing, one Echo middleware (pipeline):
//	  4. requestLog      request_id: request ids, one log line, metrics
//	  5. recoverPanic    faultwrap: a panic is a 500 computeFault
//	  6. bodyLimit       sizelimit: 413 over 114688 bytes
//	  7. auth            keystonemiddleware: 401, 503 when Keystone fails
//	  8. versions        microversion negotiation: 400, 406, version headers
//	in the route's handler (api, resource.go):
//	  9. contentTypeStep 415
//	 10. bodyStep        400 Malformed request body (routes with a body)
//	 11. scopeSteps      400 project id mismatch, 404 above the route's range
//	 12. glanceEndpoint  the caller's image endpoint (500 EmptyCatalog …)
//	 13. brownoutStep    404, as above the range
//	 14. deprecationHeaders, then the handler
//
// Every step returns an error that the one error writer (respond.go)
// renders; only respond.go writes.

// MaxRequestBody is Nova's oslo sizelimit (max_request_body_size).
const MaxRequestBody = 114688

// pipeline is steps 4-8 as one Echo middleware. Echo wraps every
// middleware around the handler again on each request (one closure
// allocated per middleware), so the steps call each other directly.
func (s *Server) pipeline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error { return s.requestLog(c, next) }
}

// ServeHTTP makes Server an http.Handler: steps 1-3, then Echo. Plain
// code, not Echo pre-middleware: Echo builds those closures anew on every
// request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := s.enterFront(r)
	if !ok {
		s.writeNoRegion(w, r)
		return
	}
	if f.nova != nil && !s.servedHere(r.URL.Path) { // Nova's request, Nova's pipeline
		s.passThroughRequest(w, r, f)
		return
	}
	r = s.withFront(r, f)
	if status := s.requestLimits(r); status != 0 {
		writeEmpty(w, status, true)
		return
	}
	normalizePath(r)
	// OPTIONS, except on "/" (routed to the versions document)
	if r.Method == http.MethodOptions && r.URL.Path != "/" {
		writeEmpty(w, http.StatusOK, false)
		return
	}
	s.echo.ServeHTTP(w, r)
}

var multiSlash = regexp.MustCompile(`/{2,}`)

// normalizePath routes on the percent-decoded path with doubled slashes
// collapsed, as Nova's router does (so %2F in a key splits the path). One
// trailing newline under the API mounts is dropped: Nova's routes match
// with Python's "$", which also matches before a final "\n", so
// /v2.1/images/<id>%0A is /v2.1/images/<id> (and .../detail%0A the
// detailed list).
func normalizePath(r *http.Request) {
	if strings.Contains(r.URL.Path, "//") {
		r.URL.Path = multiSlash.ReplaceAllString(r.URL.Path, "/")
	}
	if p := r.URL.Path; strings.HasSuffix(p, "\n") && classify(p).kind >= mountRoot {
		r.URL.Path = p[:len(p)-1]
	}
	r.URL.RawPath = ""
}

// requestLimits is the status Nova's eventlet server answers for an
// oversized request line or header (0: within the limits), empty bodies,
// the connection closed (eventlet/wsgi.py handle_one_request): 414 when the
// request line, CRLF included, is max_url_length bytes or more; 400 when a
// header line is max_header_line bytes or more (Nova sets eventlet's
// MAX_HEADER_LINE from [wsgi] max_header_line, 16384) or the header lines
// add up to more than 65536 bytes (MAX_TOTAL_HEADER_SIZE). Lengths are
// those of the lines as Go parsed them ("Name: value\r\n").
func (s *Server) requestLimits(r *http.Request) int {
	if s.cfg.MaxURLLength > 0 && len(r.Method)+1+len(r.RequestURI)+1+len(r.Proto)+2 >= s.cfg.MaxURLLength {
		return http.StatusRequestURITooLong
	}
	if s.cfg.MaxHeaderLine > 0 {
		total := 2 // the empty line that ends the headers
		for k, vs := range r.Header {
			for _, v := range vs {
				n := len(k) + 2 + len(v) + 2
				if n >= s.cfg.MaxHeaderLine {
					return http.StatusBadRequest
				}
				total += n
			}
		}
		if total > eventletMaxTotalHeader {
			return http.StatusBadRequest
		}
	}
	return 0
}

// eventletMaxTotalHeader is eventlet's MAX_TOTAL_HEADER_SIZE.
const eventletMaxTotalHeader = 65536

// requestLog assigns the request id, runs the rest of the pipeline, and
// accounts for the request: metrics, migration report, one log line.
func (s *Server) requestLog(c echo.Context, next echo.HandlerFunc) error {
	start := time.Now()
	id := newRequestID()
	// Nova's request-id middleware wraps the API apps, not the root
	// version document or the version choices.
	if classify(c.Request().URL.Path).underMount() {
		h := c.Response().Header()
		v := []string{id} // canonical keys: no re-canonicalizing per request
		h["X-Openstack-Request-Id"] = v
		h["X-Compute-Request-Id"] = v
	}
	rq := &request{Context: c, start: start, id: id, base: c.Request().Context(), front: s.frontFor(c.Request())}
	if s.cfg.RequestTimeout > 0 {
		rq.deadline = start.Add(s.cfg.RequestTimeout)
	}
	if err := s.recoverPanic(rq, next); err != nil {
		s.writeError(rq, err)
	}
	if rq.cancel != nil {
		rq.cancel()
	}
	s.account(rq)
	return nil
}

// account counts a finished request (metrics, the migration report) and
// writes its log line.
func (s *Server) account(rq *request) {
	route, method, status := rq.Path(), rq.Request().Method, rq.Response().Status
	if route == "/*" || route == "" {
		route = "unmatched"
	}
	label := route
	if rt := s.routeOf[routeKey{method, route}]; rt != nil {
		label = rt.op
		if rq.project != "" && rq.version != "" { // authenticated and routed
			s.report.record(rq.project, rq.Request().UserAgent(), rt.op, rt.native, rq.version, s.now())
		}
	}
	latency := time.Since(rq.start)
	s.metrics.observeRequest(requestLabels{route: label, method: method, status: status, version: rq.version},
		latency.Seconds())
	if rq.cache != "" {
		s.metrics.cache.WithLabelValues(rq.cache).Inc()
	}
	if ce := s.log.Check(zap.InfoLevel, "request"); ce != nil {
		fs := logFields.Get().(*[]zap.Field)
		*fs = append((*fs)[:0],
			zap.String("request_id", rq.id),
			zap.String("project", rq.project),
			zap.String("method", method),
			zap.String("route", route),
			zap.String("path", rq.Request().URL.Path),
			zap.String("microversion", rq.version),
			zap.Int("status", status),
			zap.Duration("latency", latency),
			zap.String("cache", rq.cache),
			zap.Bool("brownout", rq.brownout),
			zap.String("user_agent", rq.Request().UserAgent()),
		)
		ce.Write(*fs...) // encoded at once: the slice is free again after
		clear(*fs)
		logFields.Put(fs)
	}
}

// logFields recycles the request log line's field slice (11 fields, 700
// bytes per request otherwise).
var logFields = sync.Pool{New: func() any { fs := make([]zap.Field, 0, 16); return &fs }}

// cachedTokens is a upstream.TokenValidator that can answer from its cache alone.
type cachedTokens interface {
	Cached(token string) (*upstream.Identity, bool)
}

// recoverPanic turns a panic into a logged 500 computeFault.
func (s *Server) recoverPanic(c echo.Context, next echo.HandlerFunc) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.Error("panic", zap.Any("panic", r), zap.Stack("stack"))
			err = translate.Unexpected("Exception", fmt.Errorf("panic: %v", r))
		}
	}()
	return s.bodyLimit(c, next)
}

// bodyLimit answers 413 before authentication, as oslo's sizelimit does.
func (s *Server) bodyLimit(c echo.Context, next echo.HandlerFunc) error {
	r := c.Request()
	if r.ContentLength > MaxRequestBody {
		return errTooLarge
	}
	if r.Body != nil && r.ContentLength != 0 {
		r.Body = &trackedBody{ReadCloser: http.MaxBytesReader(c.Response(), r.Body, MaxRequestBody)}
	}
	return s.auth(c, next)
}

// trackedBody is a request body that tells whether it was read to its end.
type trackedBody struct {
	io.ReadCloser
	eof bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

// closeIfBodyUnread marks a response that is written before the request
// body was read (401 without a token, 415, 400, 404 …) to close the
// connection: Go's server would otherwise read the rest of the body first,
// and a client that sends it slowly got its 401 only after read_timeout
// (issue 14). Nova's eventlet server answers at once too.
func closeIfBodyUnread(c echo.Context) {
	if b, ok := c.Request().Body.(*trackedBody); ok && !b.eof {
		c.Response().Header().Set("Connection", "close")
		// Go's server still reads what is left of the body before it
		// closes (up to 256 KiB, until read_timeout for a slow sender):
		// end that read at once. The answer is written regardless.
		_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now())
	}
}

// auth validates X-Auth-Token for everything under the API mounts except
// the version documents.
func (s *Server) auth(c echo.Context, next echo.HandlerFunc) error {
	if !classify(c.Request().URL.Path).needsToken() {
		return s.versions(c, next)
	}
	token := c.Request().Header.Get("X-Auth-Token")
	if token == "" {
		return errUnauthorized
	}
	rq := requestOf(c)
	// A token-cache hit needs no context (making the request_timeout one
	// is a timer per request); a Keystone call gets the request's deadline.
	id, cached := (*upstream.Identity)(nil), false
	if cv, ok := s.tokens.(cachedTokens); ok {
		id, cached = cv.Cached(token)
	}
	var err error
	if !cached {
		id, err = s.tokens.Validate(rq.context(), token)
	}
	if errors.Is(err, upstream.ErrInvalidToken) {
		s.metrics.tokens.WithLabelValues("invalid").Inc()
		return errUnauthorized
	}
	if err != nil {
		s.metrics.tokens.WithLabelValues("error").Inc()
		s.log.Error("token validation failed", zap.Error(err))
		// keystonemiddleware answers 503 when it cannot reach Keystone.
		return &translate.Error{Status: http.StatusServiceUnavailable, Message: msgUnavailable, Cause: err}
	}
	s.metrics.tokens.WithLabelValues("valid").Inc()
	rq.identity, rq.token, rq.project = id, token, id.ProjectID
	return s.versions(rq, next)
}

var projectIDRE = regexp.MustCompile(`^[0-9a-f-]+$`)

// versions negotiates the microversion on /v2.1 routes (400/406) and sets
// Nova's version response headers; legacy /v2 always runs as 2.1 with no
// version headers. It also rejects project ids Nova's router would not
// match (router 404), since routing precedes version parsing.
func (s *Server) versions(c echo.Context, next echo.HandlerFunc) error {
	route, pc := c.Path(), classify(c.Request().URL.Path)
	if route == "/*" || route == "" || route == "/" || !pc.underMount() {
		return next(c)
	}
	if pid := c.Param("project_id"); strings.Contains(route, ":project_id") && !projectIDRE.MatchString(pid) {
		return echo.ErrNotFound
	}
	for _, v := range c.ParamValues() {
		if strings.Contains(v, "/") { // Nova's router matches one segment per parameter
			return echo.ErrNotFound
		}
	}
	rq := requestOf(c)
	served := rq.front.served.Load()
	if pc.legacy {
		rq.legacy, rq.ver, rq.version = true, served.min, "legacy-v2"
		return next(rq)
	}
	v, err := microversion.Negotiate(c.Request().Header, microversion.Range{Min: served.min, Max: served.max})
	var ue *microversion.UnsupportedError
	switch {
	case errors.As(err, &ue):
		echoed := ue.Value
		if !ue.Version.IsZero() {
			echoed = ue.Version.String()
		}
		microversion.SetResponseHeaders(c.Response().Header(), echoed)
		rq.version = "unsupported" // not the echoed value: a metric label per requested value would be unbounded
		return &translate.Error{Status: http.StatusNotAcceptable, Message: ue.Error()}
	case err != nil:
		return &translate.Error{Status: http.StatusBadRequest, Message: err.Error()}
	}
	rq.ver, rq.version = v, served.set(c.Response().Header(), v)
	return next(rq)
}
