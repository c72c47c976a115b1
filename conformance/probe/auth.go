package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// Session is one logged-in user: the token the cases send, the project it
// is scoped to, the user's Glance, and the compute endpoint of its catalog.
type Session struct {
	Token     string
	ProjectID string
	Glance    *gophercloud.ServiceClient
	// Compute is the catalog's compute endpoint ("" when it has none).
	Compute string
	// Keystone is the identity endpoint the user logged in with.
	Keystone string
}

// Login authenticates one user: cloud names a clouds.yaml entry (found as
// the OpenStack clients find it: OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
// ~/.config/openstack, /etc/openstack); "" uses OS_CLOUD when set, else
// the OS_* variables (an openrc).
func Login(ctx context.Context, cloud string, timeout time.Duration) (*Session, error) {
	ao, eo, tlsConf, err := authOptions(cloud)
	if err != nil {
		return nil, err
	}
	ao.AllowReauth = false
	pc, err := openstack.NewClient(ao.IdentityEndpoint)
	if err != nil {
		return nil, err
	}
	pc.HTTPClient = http.Client{Timeout: timeout, Transport: &http.Transport{
		TLSClientConfig: tlsConf, Proxy: http.ProxyFromEnvironment,
		// Keystone under uwsgi drops idle keep-alive connections silently
		DisableKeepAlives: true,
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
	s := &Session{Token: pc.Token(), ProjectID: proj.ID, Keystone: ao.IdentityEndpoint}
	if s.Glance, err = openstack.NewImageV2(pc, eo); err != nil {
		return nil, fmt.Errorf("login%s: no image endpoint in the catalog: %w", named(cloud), err)
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

func authOptions(cloud string) (gophercloud.AuthOptions, gophercloud.EndpointOpts, *tls.Config, error) {
	opts := []clouds.ParseOption{}
	if cloud != "" {
		opts = append(opts, clouds.WithCloudName(cloud))
	}
	ao, eo, tlsConf, err := clouds.Parse(opts...)
	if err == nil || cloud != "" {
		return ao, eo, tlsConf, err
	}
	// no cloud named anywhere: an openrc's OS_* variables (the probe's
	// credentials come from the environment by design, as every OpenStack
	// client's do)
	r, ok := openrcReader()
	if !ok {
		return ao, eo, nil, fmt.Errorf("no --os-cloud, OS_CLOUD or OS_AUTH_URL (%w)", err)
	}
	return clouds.Parse(clouds.WithCloudsYAML(r), clouds.WithCloudName(openrcCloud))
}

// ComputeBase is the scheme://host[:port][/prefix] in front of the first
// /v2.1 or /v2 path segment of a catalog's compute endpoint (which may go
// on with /<project_id>).
func ComputeBase(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		if seg == "v2.1" || seg == "v2" {
			u.Path, u.RawQuery = strings.Join(segs[:i], "/"), ""
			return strings.TrimRight(u.String(), "/"), nil
		}
	}
	return "", fmt.Errorf("compute endpoint %q has no /v2.1 or /v2 path", endpoint)
}
