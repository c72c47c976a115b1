package conformance

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// Session is one logged-in user: the token requests carry, the project it
// is scoped to, the user's Glance, what the catalog says of compute and
// Glance, and the TLS settings of the user's cloud entry.
type Session struct {
	Token     string
	ProjectID string
	Glance    *gophercloud.ServiceClient
	// Compute is the catalog's compute endpoint ("" when it has none).
	Compute string
	// GlanceLink is the Glance URL Nova puts in "alternate" links: Nova
	// asks the catalog for the internal endpoint first, then the public one
	// (nova/image/glance.py get_api_servers, [glance] valid_interfaces).
	GlanceLink string
	// Keystone is the identity endpoint the user logged in with.
	Keystone string
	// TLS is the cloud entry's cacert/verify/client certificate (nil:
	// the system defaults).
	TLS *tls.Config
}

// Login authenticates one user. cloud names a clouds.yaml entry, looked up
// in locations or, without them, where the OpenStack clients look
// (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack,
// /etc/openstack); cloud "" uses OS_CLOUD, or when that is unset too the
// OS_* variables of an openrc. Keystone under uwsgi drops idle keep-alive
// connections silently, so every Keystone request uses a new connection.
func Login(ctx context.Context, cloud string, timeout time.Duration, locations ...string) (*Session, error) {
	ao, eo, tlsConf, err := authOptions(cloud, locations)
	if err != nil {
		return nil, err
	}
	ao.AllowReauth = false
	pc, err := openstack.NewClient(ao.IdentityEndpoint)
	if err != nil {
		return nil, err
	}
	pc.HTTPClient = http.Client{Timeout: timeout, Transport: &http.Transport{
		TLSClientConfig: tlsConf, Proxy: http.ProxyFromEnvironment, DisableKeepAlives: true,
	}}
	if err := openstack.Authenticate(ctx, pc, ao); err != nil {
		return nil, fmt.Errorf("login%s: %w", named(cloud), err)
	}
	res, ok := pc.GetAuthResult().(tokens.CreateResult)
	if !ok {
		return nil, fmt.Errorf("login%s: not a Keystone v3 token", named(cloud))
	}
	proj, err := res.ExtractProject()
	if err != nil || proj == nil {
		return nil, fmt.Errorf("login%s: the token is not scoped to a project (%v)", named(cloud), err)
	}
	s := &Session{Token: pc.Token(), ProjectID: proj.ID, Keystone: ao.IdentityEndpoint, TLS: tlsConf}
	if s.Glance, err = openstack.NewImageV2(pc, eo); err != nil {
		return nil, fmt.Errorf("login%s: no image endpoint in the catalog: %w", named(cloud), err)
	}
	s.GlanceLink = s.Glance.Endpoint
	internal := eo
	internal.Availability = gophercloud.AvailabilityInternal
	if g, err := openstack.NewImageV2(pc, internal); err == nil {
		s.GlanceLink = g.Endpoint
	}
	if c, err := openstack.NewComputeV2(pc, eo); err == nil {
		s.Compute = c.Endpoint
	}
	return s, nil
}

func named(cloud string) string {
	if cloud == "" {
		return ""
	}
	return " to " + cloud
}

func authOptions(cloud string, locations []string) (gophercloud.AuthOptions, gophercloud.EndpointOpts, *tls.Config, error) {
	if cloud == "" && os.Getenv("OS_CLOUD") == "" {
		// no cloud named anywhere: an openrc's OS_* variables (credentials
		// come from the environment by design, as every OpenStack client's)
		r, ok := openrcReader()
		if !ok {
			return gophercloud.AuthOptions{}, gophercloud.EndpointOpts{}, nil,
				fmt.Errorf("no --os-cloud, OS_CLOUD or OS_AUTH_URL: name a clouds.yaml entry or source an openrc")
		}
		return clouds.Parse(clouds.WithCloudsYAML(r), clouds.WithCloudName(openrcCloud))
	}
	opts := []clouds.ParseOption{}
	if cloud != "" {
		opts = append(opts, clouds.WithCloudName(cloud))
	}
	if len(locations) > 0 {
		opts = append(opts, clouds.WithLocations(locations...))
	}
	return clouds.Parse(opts...)
}
