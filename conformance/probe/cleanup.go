package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// Leftovers lists the images of the session's own project whose names
// start with prefix (Prefix+run for one run, Prefix for every run).
func Leftovers(ctx context.Context, s *Session, prefix string) ([]images.Image, error) {
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

// Cleanup deletes the given ids and every leftover under prefix, and
// returns the ids it deleted. An image already gone is not an error.
func Cleanup(ctx context.Context, s *Session, prefix string, ids []string) ([]string, error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	left, err := Leftovers(ctx, s, prefix)
	for _, im := range left {
		want[im.ID] = true
	}
	var deleted []string
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("listing leftovers: %w", err))
	}
	for id := range want {
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

// Inventory is what a user sees of the images outside one run: id → the
// fields any change would alter.
type Inventory map[string]string

// TakeInventory lists what s sees (Glance's default list and the own
// project's images), leaving out names under exclude (this run's prefix).
func TakeInventory(ctx context.Context, s *Session, exclude string) (Inventory, error) {
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
