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
)

// ReadinessProbe checks the upstreams; the map is shown in /readyz.
type ReadinessProbe interface {
	Ready(ctx context.Context) (map[string]any, error)
}

// healthz: the process is alive.
func (s *Server) healthz(c echo.Context) error {
	return writeJSON(c, http.StatusOK, "application/json", map[string]string{"status": "ok"})
}

// readyz: Keystone and Glance answer imagegw's service token.
func (s *Server) readyz(c echo.Context) error {
	if s.ready == nil {
		return writeJSON(c, http.StatusOK, "application/json", map[string]string{"status": "ok"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 10*time.Second)
	defer cancel()
	info, err := s.ready.Ready(ctx)
	if info == nil {
		info = map[string]any{}
	}
	if err != nil {
		info["status"] = "unavailable"
		info["error"] = err.Error()
		return writeJSON(c, http.StatusServiceUnavailable, "application/json", info)
	}
	info["status"] = "ok"
	return writeJSON(c, http.StatusOK, "application/json", info)
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
