package proxy

import (
	"context"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/proxy/upstream"
)

// passThrough is imagegw in front of nova-api (nova_url, issue 18): it
// answers the image proxy calls itself and hands every other request to
// Nova unchanged, before any step of its own pipeline (Nova runs its own:
// authentication, microversions, limits), so Nova's answer is the
// client's, byte for byte.
type passThrough struct {
	nova *upstream.Nova
	rp   *httputil.ReverseProxy
	// state is Nova as last seen: novaUp or novaDown (readyz details).
	state atomic.Int32
}

const (
	novaUnknown int32 = iota
	novaUp
	novaDown
)

// frontNova puts f in front of n until Close: every request to it that
// is not an image proxy call goes to n, and its microversion range
// follows n's /v2.1 document.
func (s *Server) frontNova(f *front, n *upstream.Nova) {
	var public *url.URL
	if f.public != "" {
		public, _ = url.Parse(f.public) // Check parsed it
	}
	p := &passThrough{nova: n}
	p.rp = n.ReverseProxy(public, f.prefix, func(w http.ResponseWriter, r *http.Request, err error) { s.writePassThroughError(w, r, err, p) })
	f.nova = p
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	prev := s.stop
	s.stop = func() {
		cancel()
		<-done
		n.Close()
		if prev != nil {
			prev()
		}
	}
	go func() { defer close(done); s.followNovaVersions(ctx, f) }()
}

// servedHere tells the requests imagegw answers itself in front of Nova:
// the image proxy paths (any method: Nova's router answers 404 or 405 on
// them, which imagegw mirrors) and its own operator endpoints. path is as
// received; it is classified as the routes see it.
func (s *Server) servedHere(path string) bool {
	if strings.Contains(path, "//") {
		path = multiSlash.ReplaceAllString(path, "/")
	}
	if s.operatorPath(path) {
		return true
	}
	if classify(path).kind != inAPI {
		return false
	}
	_, rest, _ := strings.Cut(path[1:], "/") // below the mount
	first, deeper, _ := strings.Cut(rest, "/")
	if first == "images" {
		return true
	}
	// /{project_id}/images: Nova's project id requirement is hex and dashes
	// (so /v2.1/servers/images is a server, Nova's)
	second, _, _ := strings.Cut(deeper, "/")
	return second == "images" && projectIDRE.MatchString(first)
}

// passThroughRequest hands r to Nova and accounts for it: metrics and
// one log line, as requestLog does for imagegw's own routes.
func (s *Server) passThroughRequest(w http.ResponseWriter, r *http.Request, f *front) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	f.nova.rp.ServeHTTP(rec, r)
	latency := time.Since(start)
	if rec.status >= 200 && rec.status < 500 {
		f.nova.state.Store(novaUp)
	}
	s.metrics.observeRequest(requestLabels{route: "nova", method: r.Method, status: rec.status}, latency.Seconds())
	s.metrics.upstream.WithLabelValues("nova").Observe(latency.Seconds())
	if ce := s.log.Check(zap.InfoLevel, "request"); ce != nil {
		ce.Write(zap.String("request_id", rec.Header().Get("X-Openstack-Request-Id")),
			zap.String("method", r.Method), zap.String("route", "nova"), zap.String("region", f.name), zap.String("path", r.URL.Path),
			zap.Int("status", rec.status), zap.Duration("latency", latency),
			zap.String("user_agent", r.UserAgent()))
	}
}

// followNovaVersions serves Nova's own microversion range, read from its
// /v2.1 document now and every nova_versions_interval (every 5 s until it
// is first read), so "latest" and the 406 boundary are Nova's on every
// route.
func (s *Server) followNovaVersions(ctx context.Context, f *front) {
	learned := false
	for {
		if err := s.learnNovaVersions(ctx, f); err != nil {
			s.log.Warn("Nova's version document", zap.String("region", f.name), zap.Error(err))
			f.nova.state.Store(novaDown)
		} else {
			learned = true
			f.nova.state.Store(novaUp)
		}
		wait := s.cfg.NovaVersionsInterval
		if !learned {
			wait = min(wait, 5*time.Second)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (s *Server) learnNovaVersions(ctx context.Context, f *front) error {
	lo, hi, err := f.nova.nova.Versions(ctx)
	if err != nil {
		return err
	}
	r, err := microversion.ParseRange(lo, hi)
	if err != nil {
		return err
	}
	if cur := f.served.Load(); cur.min != r.Min || cur.max != r.Max {
		f.served.Store(newVersionHeaders(r))
		s.log.Info("microversion range from Nova", zap.String("region", f.name), zap.String("min", r.Min.String()), zap.String("max", r.Max.String()))
	}
	return nil
}

// novaState is Nova in /readyz's details: off (no nova_url), up, down;
// with regions, the state of each region's Nova by name. Nova down does
// not make imagegw unready: the image routes still work.
func (s *Server) novaState() any {
	if !s.regional() {
		return s.fronts[0].novaState()
	}
	out := make(map[string]string, len(s.fronts))
	for _, f := range s.fronts {
		out[f.name] = f.novaState()
	}
	return out
}

func (f *front) novaState() string {
	if f.nova == nil {
		return "off"
	}
	switch f.nova.state.Load() {
	case novaUp:
		return "up"
	case novaDown:
		return "down"
	}
	return "unknown"
}

// statusRecorder remembers the status written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController flush a streamed answer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
