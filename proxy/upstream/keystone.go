package upstream

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"

	"github.com/imagegw/imagegw/config"
)

// Keystone validates tokens with Keystone v3 through gophercloud, as
// imagegw's own service user.
type Keystone struct {
	client *gophercloud.ServiceClient
	// AuthURI is Keystone's public URL without the API version, for
	// WWW-Authenticate.
	AuthURI string
}

// KeystoneOptions say how imagegw reaches Keystone.
type KeystoneOptions struct {
	// Cloud is the clouds.yaml entry with imagegw's service credentials
	// (config: cloud, else OS_CLOUD); empty: Service.
	Cloud string
	// Service are the OS_* credentials, used without a cloud.
	Service config.ServiceAuth
	// URL, when set, is the identity endpoint users' tokens are validated
	// at (config keystone_url), instead of the service catalog's. The
	// service user itself always authenticates at its auth_url.
	URL string
	// HTTPClient makes every Keystone call; its Timeout bounds each one.
	HTTPClient *http.Client
}

// NewKeystone authenticates imagegw's service user and finds the identity
// endpoint tokens are validated at.
func NewKeystone(ctx context.Context, o KeystoneOptions) (*Keystone, error) {
	var (
		ao  gophercloud.AuthOptions
		eo  gophercloud.EndpointOpts
		err error
	)
	if o.Cloud != "" {
		ao, eo, _, err = clouds.Parse(clouds.WithCloudName(o.Cloud))
	} else {
		ao, err = ServiceAuthOptions(o.Service)
		eo.Region = o.Service.RegionName
	}
	if err != nil {
		return nil, fmt.Errorf("service credentials: %w", err)
	}
	ao.AllowReauth = true
	pc, err := openstack.NewClient(ao.IdentityEndpoint)
	if err != nil {
		return nil, fmt.Errorf("keystone %s: %w", ao.IdentityEndpoint, err)
	}
	if o.HTTPClient != nil {
		pc.HTTPClient = *o.HTTPClient
	}
	pc.UserAgent.Prepend("imagegw")
	if err := openstack.Authenticate(ctx, pc, ao); err != nil {
		return nil, fmt.Errorf("keystone authentication of imagegw's service user at %s: %w", ao.IdentityEndpoint, err)
	}
	var ic *gophercloud.ServiceClient
	if o.URL != "" {
		ic = &gophercloud.ServiceClient{ProviderClient: pc, Endpoint: identityV3Endpoint(o.URL), Type: "identity"}
	} else if ic, err = openstack.NewIdentityV3(pc, eo); err != nil {
		return nil, fmt.Errorf("keystone endpoint: %w", err)
	}
	return &Keystone{client: ic, AuthURI: AuthURI(ao.IdentityEndpoint)}, nil
}

// identityV3Endpoint is the v3 API root of a Keystone URL given with or
// without its version (".../identity", ".../identity/v3", ".../v2.0").
func identityV3Endpoint(u string) string {
	return strings.TrimRight(AuthURI(u), "/") + "/v3/"
}

// AuthURI strips a trailing /v3 (or /v2.0) from Keystone's URL, as
// keystonemiddleware's www_authenticate_uri is usually written.
func AuthURI(identityEndpoint string) string {
	u := strings.TrimRight(identityEndpoint, "/")
	for _, suffix := range []string{"/v3", "/v2.0"} {
		u = strings.TrimSuffix(u, suffix)
	}
	return u
}

// Validate asks Keystone for the token (GET /v3/auth/tokens).
func (k *Keystone) Validate(ctx context.Context, token string) (*Identity, error) {
	res := tokens.Get(ctx, k.client, token)
	if res.Err != nil {
		if gophercloud.ResponseCodeIs(res.Err, http.StatusNotFound) ||
			gophercloud.ResponseCodeIs(res.Err, http.StatusUnauthorized) ||
			gophercloud.ResponseCodeIs(res.Err, http.StatusBadRequest) {
			return nil, ErrInvalidToken
		}
		return nil, fmt.Errorf("keystone token validation: %w", res.Err)
	}
	tok, err := res.ExtractToken()
	if err != nil {
		return nil, fmt.Errorf("keystone token: %w", err)
	}
	id := &Identity{ExpiresAt: tok.ExpiresAt}
	if u, err := res.ExtractUser(); err == nil && u != nil {
		id.UserID = u.ID
	}
	if p, err := res.ExtractProject(); err == nil && p != nil {
		id.ProjectID = p.ID
	}
	roles, err := res.ExtractRoles()
	if err != nil {
		return nil, fmt.Errorf("keystone token roles: %w", err)
	}
	for _, r := range roles {
		id.Roles = append(id.Roles, r.Name)
	}
	sort.Strings(id.Roles)
	if cat, err := res.ExtractServiceCatalog(); err == nil && cat != nil {
		id.Catalog = cat.Entries
	}
	return id, nil
}

// ProjectName is a project's name as imagegw's service user may read it
// (GET /v3/projects/{id}; a user with the admin role may); "" when it
// may not or Keystone fails: the report then shows the id alone.
func (k *Keystone) ProjectName(ctx context.Context, id string) string {
	p, err := projects.Get(ctx, k.client, id).Extract()
	if err != nil {
		return ""
	}
	return p.Name
}
