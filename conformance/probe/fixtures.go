package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/imagedata"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/members"

	"github.com/imagegw/imagegw/conformance"
)

// Prefix starts the name of every image the probe creates; `cleanup`
// finds leftovers by it (and by owner: only the user's own project).
const Prefix = "imagegw-probe-"

// fixtureData is uploaded to the images that must be active: 16 bytes.
var fixtureData = []byte("imagegw probe.\n\n")

// NewRunID names one run: UTC time and 3 random bytes, so two runs at
// once never share fixtures and a leftover says when it was made.
func NewRunID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format(runTimeLayout) + "-" + hex.EncodeToString(b)
}

const runTimeLayout = "20060102t150405"

// spec is one fixture as the probe asks Glance for it.
type spec struct {
	role, visibility  string
	disk, container   string
	minDisk, minRAM   int
	props             map[string]string
	upload, shareWith bool
	// optional: a 403 from Glance (policy) skips the fixture and its cases
	optional bool
}

func specs(instanceUUID string) []spec {
	return []spec{
		{role: RoleActive, visibility: "private", disk: "raw", container: "bare", minDisk: 3, minRAM: 64, upload: true,
			props: map[string]string{"hw_probe_key": "probe value", "os_probe": "os value"}},
		{role: RoleQueued, visibility: "private", props: map[string]string{}},
		{role: RoleServer, visibility: "private", disk: "qcow2", container: "bare", upload: true,
			props: map[string]string{"instance_uuid": instanceUUID, "image_type": "snapshot"}},
		{role: RoleShared, visibility: "shared", disk: "raw", container: "bare", upload: true,
			props: map[string]string{}, shareWith: true},
		{role: RoleMeta, visibility: "private", props: map[string]string{"probe_a": "1", "probe_b": "2"}},
		{role: RoleDelete, visibility: "private", props: map[string]string{}},
		{role: RoleCommunity, visibility: "community", disk: "raw", container: "bare", upload: true,
			props: map[string]string{}, optional: true},
		{role: RolePublic, visibility: "public", disk: "raw", container: "bare", upload: true,
			props: map[string]string{}, optional: true},
	}
}

// CreateFixtures creates the run's images as primary (shared with
// second's project when second is not nil). created is called with each
// id as soon as Glance has made the image, before anything else can fail,
// so an interrupted run still knows what to remove.
func CreateFixtures(ctx context.Context, primary, second *conformance.Session, run string, created func(id string)) (*Fixtures, error) {
	fx := &Fixtures{Images: map[string]Image{}, WithSecond: second != nil}
	for _, sp := range specs(randomUUID()) {
		im, err := createOne(ctx, primary.Glance, sp, Prefix+run+"-"+sp.role, created)
		if err == nil && sp.role == RoleQueued {
			im, err = distinctSecond(ctx, primary.Glance, sp, im, fx.Images[RoleActive], Prefix+run+"-"+sp.role, created)
		}
		if sp.optional && gophercloud.ResponseCodeIs(err, http.StatusForbidden) {
			fx.NotRun = append(fx.NotRun, fmt.Sprintf("%s image cases: the user may not create %s images (Glance: 403)", sp.role, sp.visibility))
			continue
		}
		if err != nil {
			return fx, fmt.Errorf("fixture %s: %w", sp.role, err)
		}
		if sp.shareWith && second != nil {
			if _, err := members.Create(ctx, primary.Glance, im.ID, second.ProjectID).Extract(); err != nil {
				return fx, fmt.Errorf("fixture %s: share with the second project: %w", sp.role, err)
			}
		}
		fx.Images[sp.role] = im
	}
	return fx, nil
}

func createOne(ctx context.Context, g *gophercloud.ServiceClient, sp spec, name string, created func(string)) (Image, error) {
	vis := images.ImageVisibility(sp.visibility)
	got, err := images.Create(ctx, g, images.CreateOpts{
		Name: name, Visibility: &vis, DiskFormat: sp.disk, ContainerFormat: sp.container,
		MinDisk: sp.minDisk, MinRAM: sp.minRAM, Properties: sp.props,
	}).Extract()
	if err != nil {
		return Image{}, err
	}
	created(got.ID)
	if sp.upload {
		if err := imagedata.Upload(ctx, g, got.ID, bytes.NewReader(fixtureData)).ExtractErr(); err != nil {
			return Image{}, fmt.Errorf("upload: %w", err)
		}
		if got, err = waitActive(ctx, g, got.ID); err != nil {
			return Image{}, err
		}
	}
	return Image{ID: got.ID, Name: got.Name, Status: string(got.Status), Size: got.SizeBytes,
		MinDisk: got.MinDiskGigabytes, MinRAM: got.MinRAMMegabytes, Properties: sp.props, Created: got.CreatedAt}, nil
}

// randomUUID is the instance_uuid of the snapshot fixture (a server that
// never existed: Nova only links to it).
func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// waitActive waits for an uploaded image to become active: a file store
// is synchronous, other stores may answer while the image is "saving".
func waitActive(ctx context.Context, g *gophercloud.ServiceClient, id string) (*images.Image, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		im, err := images.Get(ctx, g, id).Extract()
		if err != nil || im.Status == images.ImageStatusActive {
			return im, err
		}
		if im.Status == images.ImageStatusKilled || time.Now().After(deadline) {
			return nil, fmt.Errorf("image %s is %s after its upload", id, im.Status)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// distinctSecond re-creates im until Glance's created_at (whole seconds)
// differs from prev's: the list cases need a known order, Glance sorts by
// created_at (which it may store finer than it shows) and Nova offers no
// other sort.
func distinctSecond(ctx context.Context, g *gophercloud.ServiceClient, sp spec, im, prev Image, name string, created func(string)) (Image, error) {
	for try := 0; try < 3 && im.Created.Equal(prev.Created); try++ {
		if err := images.Delete(ctx, g, im.ID).ExtractErr(); err != nil {
			return im, err
		}
		select {
		case <-ctx.Done():
			return im, ctx.Err()
		case <-time.After(1100 * time.Millisecond):
		}
		var err error
		if im, err = createOne(ctx, g, sp, name, created); err != nil {
			return im, err
		}
	}
	if im.Created.Equal(prev.Created) {
		return im, fmt.Errorf("created in the same second as %s three times", prev.Name)
	}
	return im, nil
}
