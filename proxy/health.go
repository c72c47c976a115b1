package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
)

// ReadinessProbe checks the upstreams; the map is shown in /readyz.
type ReadinessProbe interface {
	Ready(ctx context.Context) (map[string]any, error)
}

// healthz: the process is alive.
func (s *Server) healthz(c echo.Context) error {
	return writeJSON(c, http.StatusOK, "application/json", map[string]string{"status": "ok"})
}

// readiness runs the upstream probe at most once per ttl, whatever the
// number of callers: /readyz costs a Keystone validation and a Glance call,
// and unauthenticated callers must not be able to multiply them (issue 14:
// 100 probes at concurrency 10 kept Keystone and Glance busy for 35 s).
// Callers during a probe wait for it and share its result.
type readiness struct {
	probe ReadinessProbe
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
func (s *Server) readyz(c echo.Context) error {
	if s.ready == nil {
		return writeJSON(c, http.StatusOK, "application/json", map[string]string{"status": "ok"})
	}
	if _, err := s.ready.result(c.Request().Context()); err != nil {
		s.log.Warn("not ready", zap.Error(err))
		return writeJSON(c, http.StatusServiceUnavailable, "application/json", map[string]string{"status": "unavailable"})
	}
	return writeJSON(c, http.StatusOK, "application/json", map[string]string{"status": "ok"})
}

// readyzDetails is /readyz on the operator listener: the probe's details
// (endpoints, each side's state, Glance's capabilities) and the error.
func (s *Server) readyzDetails(c echo.Context) error {
	if s.ready == nil {
		return s.readyz(c)
	}
	info, err := s.ready.result(c.Request().Context())
	out := make(map[string]any, len(info)+2)
	for k, v := range info {
		out[k] = v
	}
	if err != nil {
		out["status"], out["error"] = "unavailable", err.Error()
		return writeJSON(c, http.StatusServiceUnavailable, "application/json", out)
	}
	out["status"] = "ok"
	return writeJSON(c, http.StatusOK, "application/json", out)
}

// UpstreamProbe checks Keystone (a token round trip) and Glance
// (/v2/info/import) with imagegw's service credentials, and reports the
// Glance capabilities read at start (import methods, stores).
type UpstreamProbe struct {
	ks     *Keystone
	glance *gophercloud.ServiceClient
	mu     sync.Mutex
	caps   map[string]any
}

// NewUpstreamProbe finds Glance (override, else the service catalog) and
// reads its capabilities once.
func NewUpstreamProbe(ctx context.Context, ks *Keystone, glanceURL, region, iface string) (*UpstreamProbe, error) {
	var sc *gophercloud.ServiceClient
	if glanceURL != "" {
		root := glanceRoot(glanceURL) + "/"
		sc = &gophercloud.ServiceClient{ProviderClient: ks.client.ProviderClient, Endpoint: root, ResourceBase: root + "v2/", Type: "image"}
	} else {
		var err error
		sc, err = openstack.NewImageV2(ks.client.ProviderClient, gophercloud.EndpointOpts{Region: region, Availability: gophercloud.Availability(iface)})
		if err != nil {
			return nil, fmt.Errorf("glance endpoint for readiness: %w", err)
		}
	}
	p := &UpstreamProbe{ks: ks, glance: sc}
	p.caps = p.capabilities(ctx)
	return p, nil
}

func (p *UpstreamProbe) capabilities(ctx context.Context) map[string]any {
	caps := map[string]any{}
	for _, path := range []string{"info/import", "info/stores"} {
		var body any
		_, err := p.glance.Get(ctx, p.glance.ServiceURL(strings.Split(path, "/")...), &body, nil)
		if err != nil {
			caps[path] = "unavailable: " + shortErr(err)
			continue
		}
		caps[path] = body
	}
	return caps
}

func shortErr(err error) string {
	if ue, ok := err.(gophercloud.ErrUnexpectedResponseCode); ok {
		return fmt.Sprintf("HTTP %d", ue.Actual)
	}
	return err.Error()
}

// Ready implements ReadinessProbe.
func (p *UpstreamProbe) Ready(ctx context.Context) (map[string]any, error) {
	out := map[string]any{"glance_endpoint": p.glance.Endpoint, "keystone": p.ks.AuthURI}
	p.mu.Lock()
	out["glance_capabilities"] = p.caps
	p.mu.Unlock()
	if _, err := p.ks.Validate(ctx, p.ks.client.Token()); err != nil {
		out["keystone_status"] = "unreachable"
		return out, fmt.Errorf("keystone: %s", shortErr(err))
	}
	out["keystone_status"] = "ok"
	var body json.RawMessage
	if _, err := p.glance.Get(ctx, p.glance.ServiceURL("info", "import"), &body, nil); err != nil {
		out["glance_status"] = "unreachable"
		return out, fmt.Errorf("glance: %s", shortErr(err))
	}
	out["glance_status"] = "ok"
	return out, nil
}
