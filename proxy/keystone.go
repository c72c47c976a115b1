package proxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	gocache "github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"
)

// Identity is what a validated token tells about its caller.
type Identity struct {
	UserID    string
	ProjectID string
	Roles     []string // sorted role names
	ExpiresAt time.Time
	// Catalog is the token's service catalog, used to find Glance.
	Catalog []tokens.CatalogEntry
}

// RoleKey is the caller's role set as one string (for cache keys).
func (id *Identity) RoleKey() string { return strings.Join(id.Roles, ",") }

// ErrInvalidToken means Keystone does not accept the token (401 to the client).
var ErrInvalidToken = errors.New("invalid token")

// TokenValidator validates a user token.
type TokenValidator interface {
	Validate(ctx context.Context, token string) (*Identity, error)
}

// Keystone validates tokens with Keystone v3 through gophercloud, as
// imagegw's own service user.
type Keystone struct {
	client *gophercloud.ServiceClient
	// AuthURI is Keystone's public URL without the API version, for
	// WWW-Authenticate.
	AuthURI string
}

// NewKeystone authenticates imagegw's service user from clouds.yaml entry
// cloud (or OS_* variables when cloud is empty).
func NewKeystone(ctx context.Context, cloud string, httpClient *http.Client) (*Keystone, error) {
	var (
		ao  gophercloud.AuthOptions
		eo  gophercloud.EndpointOpts
		err error
	)
	if cloud == "" {
		cloud = os.Getenv("OS_CLOUD")
	}
	if cloud != "" {
		ao, eo, _, err = clouds.Parse(clouds.WithCloudName(cloud))
	} else {
		ao, err = authOptionsFromEnv()
		eo.Region = os.Getenv("OS_REGION_NAME")
	}
	if err != nil {
		return nil, fmt.Errorf("service credentials: %w", err)
	}
	ao.AllowReauth = true
	pc, err := openstack.NewClient(ao.IdentityEndpoint)
	if err != nil {
		return nil, fmt.Errorf("keystone %s: %w", ao.IdentityEndpoint, err)
	}
	pc.HTTPClient = *httpClient
	pc.UserAgent.Prepend("imagegw")
	if err := openstack.Authenticate(ctx, pc, ao); err != nil {
		return nil, fmt.Errorf("keystone authentication of imagegw's service user at %s: %w", ao.IdentityEndpoint, err)
	}
	ic, err := openstack.NewIdentityV3(pc, eo)
	if err != nil {
		return nil, fmt.Errorf("keystone endpoint: %w", err)
	}
	return &Keystone{client: ic, AuthURI: AuthURI(ao.IdentityEndpoint)}, nil
}

// authOptionsFromEnv is gophercloud's AuthOptionsFromEnv plus the
// OS_USER_DOMAIN_* and OS_PROJECT_DOMAIN_* variables every openrc sets.
func authOptionsFromEnv() (gophercloud.AuthOptions, error) {
	userDomainID, userDomainName := os.Getenv("OS_USER_DOMAIN_ID"), os.Getenv("OS_USER_DOMAIN_NAME")
	if userDomainID != "" || userDomainName != "" {
		if os.Getenv("OS_DOMAIN_ID") == "" && os.Getenv("OS_DOMAIN_NAME") == "" {
			// gophercloud reads the user's domain from OS_DOMAIN_*.
			if userDomainID != "" {
				_ = os.Setenv("OS_DOMAIN_ID", userDomainID)
			} else {
				_ = os.Setenv("OS_DOMAIN_NAME", userDomainName)
			}
		}
	}
	ao, err := openstack.AuthOptionsFromEnv()
	if err != nil {
		return ao, err
	}
	projectName, projectID := ao.TenantName, ao.TenantID
	if projectName != "" || projectID != "" {
		scope := &gophercloud.AuthScope{ProjectID: projectID, ProjectName: projectName}
		if projectID == "" {
			scope.DomainID = os.Getenv("OS_PROJECT_DOMAIN_ID")
			scope.DomainName = os.Getenv("OS_PROJECT_DOMAIN_NAME")
			if scope.DomainID == "" && scope.DomainName == "" {
				scope.DomainID, scope.DomainName = ao.DomainID, ao.DomainName
			}
		}
		ao.Scope = scope
		ao.TenantID, ao.TenantName = "", ""
	}
	return ao, nil
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

// CachedValidator keeps validated tokens in memory for at most ttl and
// never past the token's expiry. Keys are SHA-256 digests of the tokens.
type CachedValidator struct {
	next   TokenValidator
	ttl    time.Duration
	cache  *gocache.Cache
	now    func() time.Time
	flight singleflight.Group
}

// NewCachedValidator wraps next; ttl 0 disables caching.
func NewCachedValidator(next TokenValidator, ttl time.Duration) *CachedValidator {
	return &CachedValidator{next: next, ttl: ttl, cache: gocache.New(ttl, time.Minute), now: time.Now}
}

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Validate returns the cached identity or asks the wrapped validator.
func (v *CachedValidator) Validate(ctx context.Context, token string) (*Identity, error) {
	if v.ttl <= 0 {
		return v.next.Validate(ctx, token)
	}
	key := tokenKey(token)
	if x, ok := v.cache.Get(key); ok {
		id := x.(*Identity)
		if v.now().Before(id.ExpiresAt) {
			return id, nil
		}
		v.cache.Delete(key)
	}
	// Concurrent requests with the same uncached token share one Keystone
	// call (a burst after start or expiry would otherwise queue N calls).
	x, err, _ := v.flight.Do(key, func() (any, error) {
		return v.next.Validate(context.WithoutCancel(ctx), token)
	})
	if err != nil {
		return nil, err
	}
	id := x.(*Identity)
	ttl := v.ttl
	if left := id.ExpiresAt.Sub(v.now()); left < ttl {
		ttl = left
	}
	if ttl > 0 {
		v.cache.Set(key, id, ttl)
	}
	return id, nil
}

// CatalogURL finds the endpoint URL of a service type for a region and
// interface in a token's catalog.
func CatalogURL(catalog []tokens.CatalogEntry, serviceType, region, iface string) (string, bool) {
	for _, e := range catalog {
		if e.Type != serviceType {
			continue
		}
		for _, ep := range e.Endpoints {
			if ep.Interface != iface {
				continue
			}
			if region != "" && ep.Region != region && ep.RegionID != region {
				continue
			}
			return ep.URL, true
		}
	}
	return "", false
}
