// Package proxy is imagegw's HTTP side: the Echo server, Nova's request
// pipeline (pipeline.go lists it in order), the route table, the handlers,
// the response cache and the one writer of answers (respond.go). Keystone
// and Glance are reached through proxy/upstream.
package proxy

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
)

// Deps are the server's collaborators.
type Deps struct {
	Config config.Config
	Tokens upstream.TokenValidator
	Glance upstream.Glance
	Log    *zap.Logger
	// Ready, when set, checks the upstreams for /readyz.
	Ready upstream.ReadinessProbe
	// Cache stores responses; nil builds an in-process MemCache from Config.
	Cache ResponseCache
	// AuthURI is Keystone's URL for WWW-Authenticate.
	AuthURI string
	// Projects, when set, names projects in the migration report.
	Projects ProjectNamer
}

// ProjectNamer names a project ("" when it cannot).
type ProjectNamer interface {
	ProjectName(ctx context.Context, id string) string
}

// Server serves Nova's image proxy API.
type Server struct {
	cfg     config.Config
	tokens  upstream.TokenValidator
	glance  upstream.Glance
	log     *zap.Logger
	authURI string
	// fronts are the compute endpoints served: the only one, or one per
	// region (front.go)
	fronts  []*front
	echo    *echo.Echo
	writes  *keyedMutex
	cache   *responseCache
	ready   *readiness
	metrics *metrics
	report  *migrationReport
	names   *projectNames
	subs    *subscription
	coord   *coordination
	stop    context.CancelFunc // ends what the Server started (Close)
	// routeOf finds a matched pattern's route (registerRoutes)
	routeOf map[routeKey]*route
	now     func() time.Time
}

// New builds the Echo server with every route. It refuses a Config that
// does not pass Check: one made by Load or Defaults, or Resolved after a
// change (a Config whose parsed versions were never filled answered 406
// to everything).
func New(d Deps) (*Server, error) {
	if err := d.Config.Check(); err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	s := &Server{
		cfg: d.Config, tokens: d.Tokens, glance: d.Glance, log: d.Log,
		authURI: d.AuthURI,
		writes:  newKeyedMutex(),
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if d.Ready != nil {
		s.ready = &readiness{probe: d.Ready, ttl: d.Config.ReadyCacheTTL}
	}
	s.fronts = newFronts(d.Config)
	store := d.Cache
	if store == nil {
		store = NewMemCache(d.Config.CacheMaxEntries, d.Config.CacheMaxBytes, time.Minute)
	}
	s.now = time.Now
	s.report = newMigrationReport(10000)
	s.names = newProjectNames(d.Projects)
	s.cache = &responseCache{store: store, writes: newWriteLog(), ttl: map[cacheKind]time.Duration{
		kindList: d.Config.CacheTTLList, kindImage: d.Config.CacheTTLImage, kindMetadata: d.Config.CacheTTLMetadata,
	}}
	s.metrics = newMetrics(func() CacheStats { return s.cache.store.Stats() })
	s.subs = newSubscription(d.Config.NotificationsURL != "", s.metrics.reg)
	s.coord = newCoordination(d.Config, s.metrics.reg)
	s.glance = &instrumentedGlance{next: s.glance, m: s.metrics}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.pipeline)

	// Operator endpoints, outside Nova's API (no token). HEAD as GET
	// without a body: load balancers probe with either.
	getHead := []string{http.MethodGet, http.MethodHead}
	e.Match(getHead, "/healthz", page(s.healthz))
	e.Match(getHead, "/readyz", page(s.readyz))
	if d.Config.OperatorListen == "" {
		// No operator listener: metrics and the report need the operator role.
		e.GET("/metrics", s.metricsPublic)
		e.GET("/migration", page(s.migration))
	}

	// Version documents (no token needed).
	e.Any("/", page(s.rootVersions))
	for _, p := range []string{"/v2", "/v2/", "/v2.1", "/v2.1/", "/v2/:project_id/", "/v2.1/:project_id/"} {
		e.Match(getHead, p, page(s.mountDocument))
	}
	e.GET("/v2/versions/:version_id", page(s.versionByID))
	e.GET("/v2.1/versions/:version_id", page(s.versionByID))

	s.routeOf = s.registerRoutes(e)
	// Everything else: router 404 under /v2 and /v2.1, version choices elsewhere.
	e.Any("/*", page(s.fallback))
	s.echo = e
	return s, nil
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
	e.GET("/migration", page(s.migration))
	e.Match(getHead, "/readyz", page(s.readyzDetails))
	e.Match(getHead, "/healthz", page(s.healthz))
	return e
}

// Echo returns the underlying Echo instance (tests add routes to it).
// Serve through Server itself: its ServeHTTP runs the steps before routing.
func (s *Server) Echo() *echo.Echo { return s.echo }

// fallback answers every path without a route: router 404 under the API
// mounts (after auth), Nova's 300 version choices elsewhere.
func (s *Server) fallback(c echo.Context) (response, error) {
	if classify(c.Request().URL.Path).underMount() {
		return response{}, echo.ErrNotFound
	}
	return s.choices(c)
}
