package proxy

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/translate"
)

// request is everything imagegw learns about one request, in one
// allocation. It wraps the Echo context (Echo's documented way to extend
// it) and is passed down the pipeline in its place: no context map (a
// cache hit is a few microseconds; every map insert and allocation shows).
// The pipeline steps fill it in order; handlers read it.
type request struct {
	echo.Context
	start time.Time
	id    string // the request id
	// for the log line and metrics
	project  string
	version  string
	cache    string
	brownout bool
	// front is the compute endpoint (region) the request is for
	front *front
	// auth and versions
	identity *upstream.Identity
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
	// the resource steps (resource.go: prepare)
	glanceURL string
	// app is the application URL (links.App) in three parts: a cache hit
	// writes them into its key and never needs the URL itself.
	app [3]string
	// links: Project is set by prepare, App and Glance on first use.
	links      translate.Links
	linksBuilt bool
	// imageID and key as the URL has them (Glance is sent imageID, as Nova
	// sends it); image is the image Glance acts on for imageID
	// (translate.CanonicalImageID): the cache scope and write lock of
	// every spelling of it.
	imageID, key, image string
	path, query         string
	contentType         string // of a successful response
	// body is the parsed JSON request body (routes with a body only).
	body any
}

// context is the request's context bounded by request_timeout.
func (rq *request) context() context.Context {
	if rq.ctx == nil {
		if rq.deadline.IsZero() {
			rq.ctx = rq.base
		} else {
			rq.ctx, rq.cancel = context.WithDeadline(rq.base, rq.deadline)
		}
	}
	return rq.ctx
}

// requestOf is the request being served; outside requestLog (a step
// tested alone) a fresh one, which the caller passes on to next.
func requestOf(c echo.Context) *request {
	if rq, ok := c.(*request); ok {
		return rq
	}
	return &request{Context: c, start: time.Now(), base: c.Request().Context()}
}

// viewLinks are the link bases of Nova's views.
func (rq *request) viewLinks() translate.Links {
	if !rq.linksBuilt {
		rq.links.App = rq.app[0] + rq.app[1] + rq.app[2]
		rq.links.Glance = upstream.GlanceLinkBase(rq.glanceURL)
		rq.linksBuilt = true
	}
	return rq.links
}

// fill is what a read's view works from: a snapshot of its request, taken
// before a shared cache fill starts. The fill runs in its own goroutine,
// may outlive the request that started it, and Echo reuses a finished
// request's context, so it never points back at the request.
type fill struct {
	ctx                 context.Context
	token, glanceURL    string
	links               translate.Links
	imageID, image, key string
	query, contentType  string
	scope               *entryScope // what the answer depends on (list views set it)
	project             string      // the caller's
	borrowed            bool        // the views set it: translate.Borrowed of an image shown
}

// snapshot is the request's fill; ctx is the context the upstream calls
// run under.
func (rq *request) snapshot(ctx context.Context) *fill {
	return &fill{ctx: ctx, token: rq.token, glanceURL: rq.glanceURL, links: rq.viewLinks(),
		imageID: rq.imageID, image: rq.image, key: rq.key, query: rq.query, contentType: rq.contentType,
		project: rq.identity.ProjectID}
}
