package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/imagedata"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// setup returns true once it may have created images in Glance.
func (s *soak) setup(ctx context.Context, logf func(string, ...any)) (bool, error) {
	sf, err := readSeed(s.o.cloudDir)
	if err != nil {
		return false, err
	}
	glance, err := s.login(ctx, sf)
	if err != nil {
		return false, err
	}
	logf("tokens for %s", strings.Join(users, ", "))
	if err := s.probeSeeded(ctx, sf, glance); err != nil {
		return false, err
	}
	s.marker = sf.Images["ref-admin-public"].ID
	logf("%d seeded images probed in Glance as every user", len(s.seeded))

	demo := glance["demo"]
	// leftovers of an interrupted run
	if err := s.deleteTagged(ctx, logf, demo); err != nil {
		return true, err
	}
	if err := s.createOwnImages(ctx, demo); err != nil {
		return true, err
	}
	logf("created %d images as demo (private, tag %s) for the metadata writes", len(s.own.images), ownTag)
	return true, nil
}

func readSeed(cloudDir string) (seedFile, error) {
	var sf seedFile
	b, err := os.ReadFile(filepath.Join(cloudDir, "seed.json"))
	if err != nil {
		return sf, fmt.Errorf("%v (seed the cloud: scripts/cloud/seed.py)", err)
	}
	if err := json.Unmarshal(b, &sf); err != nil {
		return sf, fmt.Errorf("seed.json: %v", err)
	}
	return sf, nil
}

// login gets every user's token and a Glance client for each.
func (s *soak) login(ctx context.Context, sf seedFile) (map[string]*gophercloud.ServiceClient, error) {
	glance := map[string]*gophercloud.ServiceClient{}
	for _, u := range users {
		pid := sf.Projects[u]
		if pid == "" {
			return nil, fmt.Errorf("seed.json has no project %q", u)
		}
		a := &account{name: u, project: pid}
		if _, err := a.get(ctx); err != nil {
			return nil, fmt.Errorf("token for %s: %w", u, err)
		}
		s.accounts[u] = a
		c, err := imageClient(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("glance client for %s: %w", u, err)
		}
		glance[u] = c
	}
	return glance, nil
}

// probeSeeded finds which seeded images Glance shows to whom (the expected
// 200/404), and admin's view of their properties.
func (s *soak) probeSeeded(ctx context.Context, sf seedFile, glance map[string]*gophercloud.ServiceClient) error {
	for _, name := range seededNames {
		im, ok := sf.Images[name]
		if !ok {
			return fmt.Errorf("seed.json has no image %q (run scripts/cloud/seed.py)", name)
		}
		sd, err := s.probeImage(ctx, name, im.ID, glance)
		if err != nil {
			return err
		}
		for _, k := range metaKeys {
			if _, ok := sd.props[k]; ok {
				sd.setKeys = append(sd.setKeys, k)
			}
		}
		s.seeded = append(s.seeded, sd)
	}
	return nil
}

func (s *soak) probeImage(ctx context.Context, name, id string, glance map[string]*gophercloud.ServiceClient) (*seeded, error) {
	sd := &seeded{name: name, id: id, visible: map[string]bool{}}
	for _, u := range users {
		var m map[string]any
		_, err := glance[u].Get(ctx, glance[u].ServiceURL("images", id), &m, &gophercloud.RequestOpts{OkCodes: []int{200}})
		switch {
		case err == nil:
			sd.visible[u] = true
			if u == "admin" {
				sd.props = m
			}
		case gophercloud.ResponseCodeIs(err, http.StatusNotFound):
			if s.hidden[u] == nil {
				s.hidden[u] = map[string]bool{}
			}
			s.hidden[u][id] = true
		default:
			return nil, fmt.Errorf("glance GET image %s as %s: %w", name, u, err)
		}
	}
	if !sd.visible["admin"] {
		return nil, fmt.Errorf("seeded image %s is missing in Glance (run scripts/cloud/seed.py)", name)
	}
	return sd, nil
}

// createOwnImages creates the private images the metadata writes go to,
// with data uploaded so that they are active.
func (s *soak) createOwnImages(ctx context.Context, demo *gophercloud.ServiceClient) error {
	vis := images.ImageVisibilityPrivate
	runID := strconv.FormatInt(time.Now().Unix(), 36)
	for i := 0; i < s.o.ownImages; i++ {
		im, err := images.Create(ctx, demo, images.CreateOpts{
			Name: fmt.Sprintf("soak-%s-%d", runID, i), Visibility: &vis, Tags: []string{ownTag},
			ContainerFormat: "bare", DiskFormat: "raw", Properties: map[string]string{"soak_seed": "1"},
		}).Extract()
		if err != nil {
			return fmt.Errorf("create own image: %w", err)
		}
		oi := &ownImage{id: im.ID, keys: map[string]*keyState{}}
		for _, k := range ownKeys {
			oi.keys[k] = &keyState{}
		}
		s.own.images = append(s.own.images, oi)
		if err := imagedata.Upload(ctx, demo, im.ID, bytes.NewReader(bytes.Repeat([]byte("soak"), 256))).ExtractErr(); err != nil {
			return fmt.Errorf("upload own image data: %w", err)
		}
	}
	return nil
}

// deleteTagged deletes demo's images tagged by this tool.
func (s *soak) deleteTagged(ctx context.Context, logf func(string, ...any), c *gophercloud.ServiceClient) error {
	var ids []string
	err := images.List(c, images.ListOpts{Tags: []string{ownTag}, Limit: 100}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		l, err := images.ExtractImages(p)
		for _, im := range l {
			ids = append(ids, im.ID)
		}
		return true, err
	})
	if err != nil {
		return fmt.Errorf("list own images: %w", err)
	}
	for _, id := range ids {
		if err := images.Delete(ctx, c, id).ExtractErr(); err != nil && !gophercloud.ResponseCodeIs(err, 404) {
			return fmt.Errorf("delete image %s: %w", id, err)
		}
	}
	if len(ids) > 0 {
		logf("deleted %d images tagged %s", len(ids), ownTag)
	}
	return nil
}

// cleanup deletes the own images with a fresh token (the run may have
// outlived the first one), not bound to the (possibly cancelled) run context.
func (s *soak) cleanup(logf func(string, ...any)) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := imageClient(ctx, "demo")
	if err != nil {
		logf("cleanup: %v", err)
		return
	}
	if err := s.deleteTagged(ctx, logf, c); err != nil {
		logf("cleanup: %v", err)
	}
}
