// Package proxy is imagegw's HTTP side: the Echo server, Nova's routes,
// middleware (request id and logging, auth, microversions), handlers and
// the upstream Keystone and Glance clients.
package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/translate"
)

// Deps are the server's collaborators.
type Deps struct {
	Config config.Config
	Tokens TokenValidator
	Glance Glance
	Log    *zap.Logger
	// Ready, when set, checks the upstreams for /readyz.
	Ready ReadinessProbe
	// Cache stores responses; nil builds an in-process MemCache from Config.
	Cache ResponseCache
	// AuthURI is Keystone's URL for WWW-Authenticate.
	AuthURI string
}

// Server serves Nova's image proxy API.
type Server struct {
	cfg     config.Config
	tokens  TokenValidator
	glance  Glance
	log     *zap.Logger
	authURI string
	global  microversion.Range
	// versionHeaders are the prebuilt version response headers.
	versionHeaders *versionHeaders
	echo           *echo.Echo
	writes         *keyedMutex
	cache          *responseCache
	ready          *readiness
	metrics        *metrics
	report         *migrationReport
	now            func() time.Time
}

// reqState is what the middleware learns about one request. It wraps the
// Echo context (Echo's documented way to extend it) and is passed down
// the chain in its place: one allocation per request, no context map
// (the hit path is a few microseconds; every map insert and allocation
// shows).
type reqState struct {
	echo.Context
	start time.Time
	// for the log line and metrics
	project  string
	version  string
	cache    string
	brownout bool
	// set by auth and versions
	identity *Identity
	token    string
	ver      microversion.Version
	legacy   bool
	// deadline is start + request_timeout (zero: none); ctx is the
	// request's context with that deadline, made on first use: a cache
	// hit never needs one.
	base     context.Context // the request's own context
	deadline time.Time
	ctx      context.Context
	cancel   context.CancelFunc
	// k is the API call the route builds (kept here: no allocation)
	k call
}

// context is the request's context bounded by request_timeout.
func (st *reqState) context() context.Context {
	if st.ctx == nil {
		if st.deadline.IsZero() {
			st.ctx = st.base
		} else {
			st.ctx, st.cancel = context.WithDeadline(st.base, st.deadline)
		}
	}
	return st.ctx
}

// ErrShuttingDown is the cause with which the binary cancels the requests
// still in flight when shutdown_grace is over; they are answered 503.
var ErrShuttingDown = errors.New("imagegw is shutting down")

// msgUnavailable is webob's HTTPServiceUnavailable text, which Nova and
// keystonemiddleware answer with.
const msgUnavailable = "The server is currently unavailable. Please try again at a later time."

// MaxRequestBody is Nova's oslo sizelimit (max_request_body_size).
const MaxRequestBody = 114688

// New builds the Echo server with every route.
func New(d Deps) *Server {
	s := &Server{
		cfg: d.Config, tokens: d.Tokens, glance: d.Glance, log: d.Log,
		authURI: d.AuthURI,
		writes:  newKeyedMutex(),
		global:  microversion.Range{Min: microversion.V(2, 1), Max: d.Config.Max},
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if d.Ready != nil {
		s.ready = &readiness{probe: d.Ready, ttl: d.Config.ReadyCacheTTL}
	}
	s.versionHeaders = newVersionHeaders(s.global)
	store := d.Cache
	if store == nil {
		store = NewMemCache(d.Config.CacheMaxEntries, d.Config.CacheMaxBytes, time.Minute)
	}
	s.now = time.Now
	s.report = newMigrationReport(10000)
	s.cache = &responseCache{store: store, writes: newWriteLog(), ttl: map[cacheKind]time.Duration{
		kindList: d.Config.CacheTTLList, kindImage: d.Config.CacheTTLImage, kindMetadata: d.Config.CacheTTLMetadata,
	}}
	s.metrics = newMetrics(func() CacheStats { return s.cache.store.Stats() })
	s.glance = &instrumentedGlance{next: s.glance, m: s.metrics}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.pipeline)

	// Operator endpoints, outside Nova's API (no token). HEAD as GET
	// without a body: load balancers probe with either.
	getHead := []string{http.MethodGet, http.MethodHead}
	e.Match(getHead, "/healthz", s.healthz)
	e.Match(getHead, "/readyz", s.readyz)
	if d.Config.OperatorListen == "" {
		// No operator listener: metrics and the report need the operator role.
		e.GET("/metrics", s.metricsPublic)
		e.GET("/migration", s.migration)
	}

	// Version documents (no token needed).
	e.Any("/", s.rootVersions)
	for _, p := range []string{"/v2", "/v2/", "/v2.1", "/v2.1/", "/v2/:project_id/", "/v2.1/:project_id/"} {
		e.Match(getHead, p, s.mountDocument)
	}
	e.GET("/v2/versions/:version_id", s.versionByID)
	e.GET("/v2.1/versions/:version_id", s.versionByID)

	for _, mount := range []string{"/v2.1", "/v2"} {
		for _, prefix := range []string{mount, mount + "/:project_id"} {
			e.GET(prefix+"/images", s.api(s.imagesRange, s.read(kindList, s.listImages(false))))
			e.GET(prefix+"/images/detail", s.api(s.imagesRange, s.read(kindList, s.listImages(true))))
			e.GET(prefix+"/images/:id", s.api(s.imagesRange, s.read(kindImage, s.showImage)))
			e.DELETE(prefix+"/images/:id", s.api(s.imagesRange, s.deleteImage))
			e.GET(prefix+"/images/:id/metadata", s.api(s.metadataRange, s.read(kindMetadata, s.metadataIndex)))
			e.POST(prefix+"/images/:id/metadata", s.apiBody(s.metadataRange, s.writeLocked(s.metadataCreate)))
			e.PUT(prefix+"/images/:id/metadata", s.apiBody(s.metadataRange, s.writeLocked(s.metadataUpdateAll)))
			e.GET(prefix+"/images/:id/metadata/:key", s.api(s.metadataRange, s.read(kindMetadata, s.metadataShow)))
			e.PUT(prefix+"/images/:id/metadata/:key", s.apiBody(s.metadataRange, s.writeLocked(s.metadataUpdateItem)))
			e.DELETE(prefix+"/images/:id/metadata/:key", s.api(s.metadataRange, s.writeLocked(s.metadataDelete)))
		}
	}
	// Everything else: router 404 under /v2 and /v2.1, version choices elsewhere.
	e.Any("/*", s.fallback)
	s.echo = e
	return s
}

// OperatorHandler serves operator_listen: /metrics (no token: the
// listener is the operator's, loopback by default), /migration (operator
// role), /readyz with the upstream details, /healthz.
func (s *Server) OperatorHandler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	getHead := []string{http.MethodGet, http.MethodHead}
	e.GET("/metrics", echo.WrapHandler(s.metrics.handler()))
	e.GET("/migration", s.migration)
	e.Match(getHead, "/readyz", s.readyzDetails)
	e.Match(getHead, "/healthz", s.healthz)
	return e
}

// pipeline is Nova's middleware as one Echo middleware: request id and
// log line (requestLog) → recoverPanic → bodyLimit (413) → auth →
// versions → the route's handler. Echo wraps every middleware around the
// handler again on each request (one closure allocated per middleware),
// so the steps call each other directly, in that order.
func (s *Server) pipeline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error { return s.requestLog(c, next) }
}

// Echo returns the underlying Echo instance (tests add routes to it).
// Serve through Server itself: its ServeHTTP runs the steps before routing.
func (s *Server) Echo() *echo.Echo { return s.echo }

// ServeHTTP makes Server an http.Handler. Before Echo routes, it answers
// as Nova's server and pipeline do ahead of routing (oversized request
// lines and headers, OPTIONS) and normalizes the path. Plain code, not
// Echo pre-middleware: Echo builds those closures anew on every request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if status := s.requestLimits(r); status != 0 {
		h := w.Header()
		h.Set("Connection", "close")
		h.Set("Content-Length", "0")
		w.WriteHeader(status)
		return
	}
	normalizePath(r)
	// OPTIONS: 200 with an empty body before authentication and routing
	// (Nova's CORS middleware), except on "/", routed to the versions
	// document.
	if r.Method == http.MethodOptions && r.URL.Path != "/" {
		w.WriteHeader(http.StatusOK)
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
	if p := r.URL.Path; strings.HasSuffix(p, "\n") && isAPIPath(p) {
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

// isAPIPath tells whether a path belongs to the compute API mounts (where
// a token is required and unknown routes are router 404s).
func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/v2/") || strings.HasPrefix(p, "/v2.1/")
}

// isLegacyPath tells whether a path is under the legacy /v2 mount.
func isLegacyPath(p string) bool { return p == "/v2" || strings.HasPrefix(p, "/v2/") }

// requestLog assigns the request id and writes one log line per request.
func (s *Server) requestLog(c echo.Context, next echo.HandlerFunc) error {
	start := time.Now()
	id := newRequestID()
	// Nova's request-id middleware wraps the API apps, not the root
	// version document or the version choices.
	if p := c.Request().URL.Path; p == "/v2" || p == "/v2.1" || isAPIPath(p) {
		h := c.Response().Header()
		v := []string{id} // canonical keys: no re-canonicalizing per request
		h["X-Openstack-Request-Id"] = v
		h["X-Compute-Request-Id"] = v
	}
	rl := &reqState{Context: c, start: start, base: c.Request().Context()}
	if s.cfg.RequestTimeout > 0 {
		rl.deadline = start.Add(s.cfg.RequestTimeout)
	}
	err := s.recoverPanic(rl, next)
	if err != nil {
		c.Error(err)
	}
	if rl.cancel != nil {
		rl.cancel()
	}
	route := c.Path()
	if route == "/*" || route == "" {
		route = "unmatched"
	}
	method := c.Request().Method
	status := c.Response().Status
	label := route
	if op, native := opOf(method, route); op != "" {
		label = op
		if rl.project != "" && rl.version != "" { // authenticated and routed
			s.report.record(rl.project, c.Request().UserAgent(), op, native, rl.version, s.now())
		}
	}
	latency := time.Since(start)
	s.metrics.observeRequest(requestLabels{route: label, method: method, status: status, version: rl.version},
		latency.Seconds())
	if rl.cache != "" {
		s.metrics.cache.WithLabelValues(rl.cache).Inc()
	}
	if ce := s.log.Check(zap.InfoLevel, "request"); ce != nil {
		fs := logFields.Get().(*[]zap.Field)
		*fs = append((*fs)[:0],
			zap.String("request_id", id),
			zap.String("project", rl.project),
			zap.String("method", c.Request().Method),
			zap.String("route", route),
			zap.String("path", c.Request().URL.Path),
			zap.String("microversion", rl.version),
			zap.Int("status", c.Response().Status),
			zap.Duration("latency", latency),
			zap.String("cache", rl.cache),
			zap.Bool("brownout", rl.brownout),
			zap.String("user_agent", c.Request().UserAgent()),
		)
		ce.Write(*fs...) // encoded at once: the slice is free again after
		clear(*fs)
		logFields.Put(fs)
	}
	return nil
}

// logFields recycles the request log line's field slice (11 fields, 700
// bytes per request otherwise).
var logFields = sync.Pool{New: func() any { fs := make([]zap.Field, 0, 16); return &fs }}

// cachedTokens is a TokenValidator that can answer from its cache alone.
type cachedTokens interface {
	Cached(token string) (*Identity, bool)
}

// stateOf is the request's reqState; outside requestLog (a middleware
// tested alone) a fresh one, which the caller passes on to next.
func stateOf(c echo.Context) *reqState {
	if st, ok := c.(*reqState); ok {
		return st
	}
	return &reqState{Context: c, start: time.Now(), base: c.Request().Context()}
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
		return webobError(c, http.StatusRequestEntityTooLarge, "Request Entity Too Large",
			"Request is too large. Larger than max_request_body_size (114688).")
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
	p := c.Request().URL.Path
	if !isAPIPath(p) || p == "/v2/" || p == "/v2.1/" {
		return s.versions(c, next)
	}
	token := c.Request().Header.Get("X-Auth-Token")
	if token == "" {
		return s.unauthorized(c)
	}
	st := stateOf(c)
	// A token-cache hit needs no context (making the request_timeout one
	// is a timer per request); a Keystone call gets the request's deadline.
	id, cached := (*Identity)(nil), false
	if cv, ok := s.tokens.(cachedTokens); ok {
		id, cached = cv.Cached(token)
	}
	var err error
	if !cached {
		id, err = s.tokens.Validate(st.context(), token)
	}
	if errors.Is(err, ErrInvalidToken) {
		s.metrics.tokens.WithLabelValues("invalid").Inc()
		return s.unauthorized(c)
	}
	if err != nil {
		s.metrics.tokens.WithLabelValues("error").Inc()
		s.log.Error("token validation failed", zap.Error(err))
		// keystonemiddleware answers 503 when it cannot reach Keystone.
		return &translate.Error{Status: http.StatusServiceUnavailable, Message: msgUnavailable, Cause: err}
	}
	s.metrics.tokens.WithLabelValues("valid").Inc()
	st.identity, st.token, st.project = id, token, id.ProjectID
	return s.versions(st, next)
}

func (s *Server) unauthorized(c echo.Context) error {
	h := c.Response().Header()
	h.Set("WWW-Authenticate", `Keystone uri="`+s.authURI+`"`)
	return writeJSON(c, http.StatusUnauthorized, "application/json", map[string]any{
		"error": map[string]any{"code": 401, "title": "Unauthorized",
			"message": "The request you have made requires authentication."},
	})
}

var projectIDRE = regexp.MustCompile(`^[0-9a-f-]+$`)

// versions negotiates the microversion on /v2.1 routes (400/406) and sets
// Nova's version response headers; legacy /v2 always runs as 2.1 with no
// version headers. It also rejects project ids Nova's router would not
// match (router 404), since routing precedes version parsing.
func (s *Server) versions(c echo.Context, next echo.HandlerFunc) error {
	route := c.Path()
	if p := c.Request().URL.Path; route == "/*" || route == "" || route == "/" || !(isAPIPath(p) || p == "/v2" || p == "/v2.1") {
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
	st := stateOf(c)
	if isLegacyPath(c.Request().URL.Path) {
		st.legacy, st.ver, st.version = true, s.global.Min, "legacy-v2"
		return next(st)
	}
	v, err := microversion.Negotiate(c.Request().Header, s.global)
	var ue *microversion.UnsupportedError
	switch {
	case errors.As(err, &ue):
		echoed := ue.Value
		if !ue.Version.IsZero() {
			echoed = ue.Version.String()
		}
		microversion.SetResponseHeaders(c.Response().Header(), echoed)
		st.version = "unsupported" // not the echoed value: a metric label per requested value would be unbounded
		return &translate.Error{Status: http.StatusNotAcceptable, Message: ue.Error()}
	case err != nil:
		return &translate.Error{Status: http.StatusBadRequest, Message: err.Error()}
	}
	st.ver, st.version = v, s.versionHeaders.set(c.Response().Header(), v)
	return next(st)
}

// webobError writes the page webob produces for router-level errors: JSON
// when the client accepts it, else HTML (HEAD: HTML, no body).
func webobError(c echo.Context, status int, title, message string) error {
	r := c.Request()
	statusLine := http.StatusText(status)
	if status == http.StatusRequestEntityTooLarge {
		statusLine = "Request Entity Too Large"
	}
	if r.Method != http.MethodHead && acceptsJSON(r.Header.Get("Accept")) {
		return writeJSON(c, status, "application/json", map[string]any{
			"message": message + "<br /><br />\n\n\n",
			"code":    itoa(status) + " " + statusLine,
			"title":   title,
		})
	}
	closeIfBodyUnread(c)
	body := "<html>\n <head>\n  <title>" + itoa(status) + " " + statusLine + "</title>\n </head>\n <body>\n  <h1>" +
		itoa(status) + " " + statusLine + "</h1>\n  " + message + "<br /><br />\n\n\n\n </body>\n</html>"
	c.Response().Header().Set("Content-Type", "text/html; charset=UTF-8")
	c.Response().WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write([]byte(body))
	return err
}

func acceptsJSON(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if mt == "application/json" {
			return true
		}
	}
	return false
}

func routerNotFound(c echo.Context) error {
	return webobError(c, http.StatusNotFound, "Not Found", "The resource could not be found.")
}

// handleError renders every error in one place: Nova faults as Nova's
// fault body, router misses as webob's 404 (never 405).
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var ne *translate.Error
	var he *echo.HTTPError
	switch {
	case errors.Is(context.Cause(c.Request().Context()), ErrShuttingDown):
		// shutdown_grace is over and the request is still waiting: Nova's
		// 503, not a bare close (issue 14)
		s.log.Warn("request cut short by shutdown", zap.Error(err))
		c.Response().Header().Set("Connection", "close")
		_ = writeFault(c, &translate.Error{Status: http.StatusServiceUnavailable, Message: msgUnavailable})
	case errors.As(err, &ne) && errors.Is(ne, context.Canceled):
		s.log.Info("request cancelled by the client")
		c.Response().WriteHeader(499)
	case errors.As(err, &ne):
		if ne.Status >= 500 {
			s.log.Error("request failed", zap.Error(ne))
		}
		_ = writeFault(c, ne)
	case errors.As(err, &he) && (he.Code == http.StatusNotFound || he.Code == http.StatusMethodNotAllowed):
		h := c.Response().Header()
		for _, k := range []string{"Allow", microversion.HeaderStandard, microversion.HeaderLegacy, "Vary"} {
			h.Del(k)
		}
		_ = routerNotFound(c)
	case errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		_ = webobError(c, http.StatusRequestEntityTooLarge, "Request Entity Too Large",
			"Request is too large. Larger than max_request_body_size (114688).")
	case errors.Is(err, context.DeadlineExceeded):
		// the request's own deadline (request_timeout) passed while waiting
		// for Glance: Nova's answer to a Glance that does not answer
		s.log.Warn("request timed out", zap.Error(err))
		_ = writeFault(c, translate.Unexpected("nova.exception.GlanceConnectionFailed", err))
	case errors.Is(err, context.Canceled):
		// the client went away; nobody reads the answer
		s.log.Info("request cancelled by the client")
		c.Response().WriteHeader(499)
	default:
		s.log.Error("unexpected error", zap.Error(err))
		_ = writeFault(c, translate.Unexpected("Exception", err))
	}
}

// writeFault writes Nova's fault body.
func writeFault(c echo.Context, e *translate.Error) error {
	return writeJSON(c, e.Status, "application/json; charset=UTF-8", map[string]any{
		translate.FaultName(e.Status): map[string]any{"code": e.Status, "message": e.Message},
	})
}

// successType is the Content-Type of a successful response: Nova echoes
// application/vnd.openstack.compute+json when the client prefers it.
func successType(c echo.Context) string {
	const vnd = "application/vnd.openstack.compute+json"
	accept := c.Request().Header.Get("Accept")
	if !strings.Contains(accept, vnd) {
		return "application/json"
	}
	best, bestQ := "application/json", -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		mt = strings.TrimSpace(mt)
		if mt != vnd && mt != "application/json" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > bestQ || (q == bestQ && mt == "application/json") {
			best, bestQ = mt, q
		}
	}
	return best
}

func writeJSON(c echo.Context, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeBody(c, status, contentType, b)
}

func writeBody(c echo.Context, status int, contentType string, b []byte) error {
	closeIfBodyUnread(c)
	h := c.Response().Header()
	h["Content-Type"] = contentTypeValue(contentType)
	c.Response().WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(b)
	return err
}

// The success content types as header values, shared (never written).
var (
	jsonTypeValue = []string{"application/json"}[:1:1]
	vndTypeValue  = []string{"application/vnd.openstack.compute+json"}[:1:1]
)

func contentTypeValue(ct string) []string {
	switch ct {
	case jsonTypeValue[0]:
		return jsonTypeValue
	case vndTypeValue[0]:
		return vndTypeValue
	}
	return []string{ct}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// fallback answers every path without a route: router 404 under the API
// mounts (after auth), Nova's 300 version choices elsewhere.
func (s *Server) fallback(c echo.Context) error {
	if p := c.Request().URL.Path; isAPIPath(p) || p == "/v2" || p == "/v2.1" {
		return echo.ErrNotFound
	}
	return s.choices(c)
}
