package main

import (
	"context"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
)

var users = []string{"demo", "alt", "other", "admin"}

type seedFile struct {
	Projects     map[string]string `json:"projects"`
	InstanceUUID string            `json:"instance_uuid"`
	Images       map[string]struct {
		ID string `json:"id"`
	} `json:"images"`
}

// seededNames are the seeded images read by show and the metadata reads:
// every owner, visibility, status and property shape.
var seededNames = []string{
	"ref-active", "ref-queued", "ref-snapshot", "ref-custom-props",
	"ref-minram-mindisk", "ref-protected", "ref-hidden", "ref-tagged",
	"ref-deactivated", "ref-uploading", "ref-shared-to-alt-accepted",
	"ref-shared-to-alt-pending", "ref-private-explicit", "ref-community-demo",
	"ref-meta-126", "ref-page-00", "ref-alt-private",
	"ref-alt-shared-to-demo-accepted", "ref-alt-shared-to-demo-pending",
	"ref-alt-community", "ref-admin-public", "ref-admin-public-snapshot",
	"ref-admin-private", "ref-other-private", "ref-other-public",
}

// metaKeys are the keys asked for by the seeded metadata show (the last one
// exists nowhere). Two times in three a key the image has is asked for.
var metaKeys = []string{"os_distro", "hw_disk_bus", "meta_key1", "k000", "k125", "custom_key",
	"alt_prop", "other_prop", "purpose", "image_type", "instance_uuid", "soak_absent_key"}

// seeded is one seeded image as Glance answers it to each user.
type seeded struct {
	name, id string
	visible  map[string]bool // user -> Glance shows it
	props    map[string]any  // admin's view of the Glance image
	setKeys  []string        // the metaKeys the image has
}

type account struct {
	mu      sync.Mutex
	name    string
	project string
	token   string
	at      time.Time
}

// get returns the user's token, renewed after 30 minutes (Keystone's
// default lifetime is one hour).
func (a *account) get(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && time.Since(a.at) < 30*time.Minute {
		return a.token, nil
	}
	pc, err := authenticate(ctx, a.name)
	if err != nil {
		return "", err
	}
	a.token, a.at = pc.Token(), time.Now()
	return a.token, nil
}

func authenticate(ctx context.Context, user string) (*gophercloud.ProviderClient, error) {
	ao, _, _, err := clouds.Parse(clouds.WithCloudName(user))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return openstack.AuthenticatedClient(ctx, ao)
}

func imageClient(ctx context.Context, user string) (*gophercloud.ServiceClient, error) {
	ao, eo, _, err := clouds.Parse(clouds.WithCloudName(user))
	if err != nil {
		return nil, err
	}
	actx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	pc, err := openstack.AuthenticatedClient(actx, ao)
	if err != nil {
		return nil, err
	}
	return openstack.NewImageV2(pc, eo)
}
