package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// ReadinessProbe checks the upstreams; the map is shown in /readyz.
type ReadinessProbe interface {
	Ready(ctx context.Context) (map[string]any, error)
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
		sc = imageClient(ks.client.ProviderClient, glanceURL)
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
