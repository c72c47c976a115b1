package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/imagegw/imagegw/conformance"
)

// Leftovers lists the images of the session's own project whose names
// start with prefix (Prefix+run for one run, Prefix for every run).
func Leftovers(ctx context.Context, s *conformance.Session, prefix string) ([]images.Image, error) {
	if !strings.HasPrefix(prefix, Prefix) {
		return nil, fmt.Errorf("refusing to look for images outside the %q prefix", Prefix)
	}
	pages, err := images.List(s.Glance, images.ListOpts{Owner: s.ProjectID}).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	all, err := images.ExtractImages(pages)
	if err != nil {
		return nil, err
	}
	var out []images.Image
	for _, im := range all {
		if strings.HasPrefix(im.Name, prefix) && im.Owner == s.ProjectID {
			out = append(out, im)
		}
	}
	return out, nil
}

// CleanupRun deletes the given ids and every leftover under prefix (one
// run's), and returns the ids it deleted.
func CleanupRun(ctx context.Context, s *conformance.Session, prefix string, ids []string) ([]string, error) {
	left, err := Leftovers(ctx, s, prefix)
	for _, im := range left {
		ids = append(ids, im.ID)
	}
	deleted, derr := Cleanup(ctx, s, ids)
	if err != nil {
		derr = errors.Join(fmt.Errorf("listing leftovers: %w", err), derr)
	}
	return deleted, derr
}

// Cleanup deletes the given images of the session's project and returns
// the ids it deleted. An image already gone is not an error.
func Cleanup(ctx context.Context, s *conformance.Session, ids []string) ([]string, error) {
	var deleted []string
	var errs []error
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		err := images.Delete(ctx, s.Glance, id).ExtractErr()
		switch {
		case err == nil:
			deleted = append(deleted, id)
		case gophercloud.ResponseCodeIs(err, 404):
		default:
			errs = append(errs, fmt.Errorf("delete %s: %w", id, err))
		}
	}
	sort.Strings(deleted)
	return deleted, errors.Join(errs...)
}

// RunStarted is when the run that named an image began (its run id holds
// the UTC time), ok false for a name that is not a probe fixture's.
func RunStarted(name string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok || len(rest) < len(runTimeLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(runTimeLayout, rest[:len(runTimeLayout)])
	return t, err == nil
}

// Inventory is what a user sees of the images outside one run: id → the
// fields any change would alter.
type Inventory map[string]string

// TakeInventory lists what s sees (Glance's default list and the own
// project's images), leaving out names under exclude (this run's prefix).
func TakeInventory(ctx context.Context, s *conformance.Session, exclude string) (Inventory, error) {
	inv := Inventory{}
	for _, opts := range []images.ListOpts{{}, {Owner: s.ProjectID}} {
		pages, err := images.List(s.Glance, opts).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		all, err := images.ExtractImages(pages)
		if err != nil {
			return nil, err
		}
		for _, im := range all {
			if strings.HasPrefix(im.Name, exclude) {
				continue
			}
			inv[im.ID] = fmt.Sprintf("name=%q status=%s visibility=%s owner=%s updated=%s checksum=%s size=%d",
				im.Name, im.Status, im.Visibility, im.Owner, im.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z"), im.Checksum, im.SizeBytes)
		}
	}
	return inv, nil
}

// Changes lists what differs between two inventories, one line per image.
func (before Inventory) Changes(after Inventory) []string {
	var out []string
	for id, b := range before {
		switch a, ok := after[id]; {
		case !ok:
			out = append(out, "gone: "+id+" "+b)
		case a != b:
			out = append(out, "changed: "+id+" "+b+" -> "+a)
		}
	}
	for id, a := range after {
		if _, ok := before[id]; !ok {
			out = append(out, "new: "+id+" "+a)
		}
	}
	sort.Strings(out)
	return out
}
