package proxy

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/imagegw/imagegw/proxy/upstream"
)

// healthz: the process is alive.
func (s *Server) healthz(c echo.Context) (response, error) {
	return jsonAnswer(http.StatusOK, "application/json", map[string]string{"status": "ok"})
}

// readiness runs the upstream probe at most once per ttl, whatever the
// number of callers: /readyz costs a Keystone validation and a Glance call,
// and unauthenticated callers must not be able to multiply them (issue 14:
// 100 probes at concurrency 10 kept Keystone and Glance busy for 35 s).
// Callers during a probe wait for it and share its result.
type readiness struct {
	probe upstream.ReadinessProbe
	ttl   time.Duration
	mu    sync.Mutex // held across a probe
	at    time.Time
	info  map[string]any
	err   error
}

// result is the last probe's details (never modified by callers) and
// error, probing first when the last one is older than ttl.
func (r *readiness) result(ctx context.Context) (map[string]any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.info != nil && time.Since(r.at) < r.ttl {
		return r.info, r.err
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	info, err := r.probe.Ready(pctx)
	if info == nil {
		info = map[string]any{}
	}
	r.info, r.err, r.at = info, err, time.Now()
	return info, err
}

// readyz answers whether imagegw can serve: {"status": "ok"} 200 or
// {"status": "unavailable"} 503, nothing else: the upstream URLs and
// Glance's stores are for the operator listener (readyzDetails).
func (s *Server) readyz(c echo.Context) (response, error) {
	if s.ready == nil {
		return jsonAnswer(http.StatusOK, "application/json", map[string]string{"status": "ok"})
	}
	if _, err := s.ready.result(c.Request().Context()); err != nil {
		s.log.Warn("not ready", zap.Error(err))
		return jsonAnswer(http.StatusServiceUnavailable, "application/json", map[string]string{"status": "unavailable"})
	}
	return jsonAnswer(http.StatusOK, "application/json", map[string]string{"status": "ok"})
}

// readyzDetails is /readyz on the operator listener: the probe's details
// (endpoints, each side's state, Glance's capabilities) and the error.
func (s *Server) readyzDetails(c echo.Context) (response, error) {
	if s.ready == nil {
		return s.readyz(c)
	}
	info, err := s.ready.result(c.Request().Context())
	out := make(map[string]any, len(info)+3)
	for k, v := range info {
		out[k] = v
	}
	out["notifications"] = s.subscriptionState()
	out["redis"] = s.coordinationState()
	out["nova"] = s.novaState()
	if err != nil {
		out["status"], out["error"] = "unavailable", err.Error()
		return jsonAnswer(http.StatusServiceUnavailable, "application/json", out)
	}
	out["status"] = "ok"
	return jsonAnswer(http.StatusOK, "application/json", out)
}
