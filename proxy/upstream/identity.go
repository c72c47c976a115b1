package upstream

import (
	"context"
	"errors"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
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

// ErrInvalidToken means Keystone does not accept the token (401 to the client).
var ErrInvalidToken = errors.New("invalid token")

// TokenValidator validates a user token.
type TokenValidator interface {
	Validate(ctx context.Context, token string) (*Identity, error)
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
