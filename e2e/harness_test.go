//go:build e2e

// Package e2e drives imagegw through a real Keystone and Glance started by
// scripts/cloud/up.sh and seeded by scripts/cloud/seed.py (`make test`
// does both). Run alone with: go test -tags e2e ./e2e/
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"go.uber.org/zap"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/proxy"
	"github.com/imagegw/imagegw/proxy/upstream"
)

type seedImage struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	OwnerUser    string `json:"owner_user"`
	OwnerProject string `json:"owner_project"`
	Visibility   string `json:"visibility"`
	Status       string `json:"status"`
	Protected    bool   `json:"protected"`
	Hidden       bool   `json:"os_hidden"`
}

type seedFile struct {
	Projects     map[string]string    `json:"projects"`
	InstanceUUID string               `json:"instance_uuid"`
	Images       map[string]seedImage `json:"images"`
}

// world is what every e2e test uses.
var world struct {
	dir      string
	env      map[string]string
	seed     seedFile
	gw       *httptest.Server // imagegw in front of the real cloud
	tokens   map[string]string
	keystone string
	glance   string
}

func TestMain(m *testing.M) {
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		fmt.Fprintln(os.Stderr, "start the cloud first: bash scripts/cloud/up.sh && /usr/bin/python3 scripts/cloud/seed.py --reset")
		os.Exit(1)
	}
	code := m.Run()
	world.gw.Close()
	if probeShared.gw != nil {
		probeShared.gw.Close()
	}
	if conformanceBin.path != "" {
		os.RemoveAll(filepath.Dir(conformanceBin.path))
	}
	stopFleet()
	redisHAService.stop()
	region2.stop()
	os.Exit(code)
}

func setup() error {
	world.dir = os.Getenv("IMAGEGW_CLOUD_DIR")
	if world.dir == "" {
		world.dir = "/tmp/imagegw-cloud"
	}
	var err error
	if world.env, err = conformance.ReadEnvFile(filepath.Join(world.dir, "cloud.env")); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(world.dir, "seed.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &world.seed); err != nil {
		return err
	}
	world.keystone, world.glance = world.env["KEYSTONE_URL"], world.env["GLANCE_URL"]
	os.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(world.dir, "clouds.yaml"))

	world.tokens = map[string]string{}
	for _, u := range []string{"demo", "alt", "admin", "other", "reader"} {
		tok, err := userToken(u)
		if err != nil {
			return fmt.Errorf("token for %s: %w", u, err)
		}
		world.tokens[u] = tok
	}
	// The shared gateway is uncached: tests compare it with Glance right
	// after writing to Glance directly. Cache behaviour has its own tests,
	// and the conformance replay runs a cached gateway.
	world.gw, err = startGateway(uncached)
	return err
}

func uncached(c *config.Config) {
	c.CacheTTLList, c.CacheTTLImage, c.CacheTTLMetadata = 0, 0, 0
}

// startGateway runs imagegw in-process against the real cloud; mutate may
// change the configuration first.
func startGateway(mutate func(*config.Config)) (*httptest.Server, error) {
	cfg := config.Defaults()
	cfg.Cloud = "imagegw"
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Resolve(); err != nil {
		return nil, err
	}
	srv, err := buildGateway(cfg, upstream.NewUpstreamClient(cfg.UpstreamTimeout))
	if err != nil {
		return nil, err
	}
	return httptest.NewServer(srv), nil
}

// buildGateway is proxy.Build, as the binary wires imagegw.
func buildGateway(cfg config.Config, httpClient *http.Client) (*proxy.Server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	log := zap.NewNop()
	if os.Getenv("IMAGEGW_E2E_LOG") != "" {
		log, _ = zap.NewDevelopment()
	}
	srv, _, err := proxy.Build(ctx, cfg, log, httpClient)
	return srv, err
}

// userToken gets a project-scoped token for one of the cloud's users
// (clouds.yaml entry of the same name).
func userToken(user string) (string, error) {
	ao, _, _, err := clouds.Parse(clouds.WithCloudName(user))
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pc, err := openstack.AuthenticatedClient(ctx, ao)
	if err != nil {
		return "", err
	}
	return pc.Token(), nil
}

// resp is one HTTP exchange's result.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not JSON (%d): %q", r.Status, r.Body)
	}
	return m
}

// do sends a request to base+path as user ("" = no token).
func do(t *testing.T, base, method, path, user string, hdr map[string]string, body string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		tok, ok := world.tokens[user]
		if !ok {
			tok = user // a literal (bad) token
		}
		req.Header.Set("X-Auth-Token", tok)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// gw sends a request to imagegw.
func gw(t *testing.T, method, path, user string, hdr map[string]string) resp {
	t.Helper()
	return do(t, world.gw.URL, method, path, user, hdr, "")
}

// glanceIDs lists image ids straight from Glance as user, following pages.
func glanceIDs(t *testing.T, user, query string) []string {
	t.Helper()
	ids := []string{}
	next := "/v2/images?limit=1000"
	if query != "" {
		next += "&" + query
	}
	for next != "" {
		r := do(t, world.glance, "GET", next, user, nil, "")
		if r.Status != 200 {
			t.Fatalf("glance %s: %d %s", next, r.Status, r.Body)
		}
		var page struct {
			Images []struct {
				ID string `json:"id"`
			} `json:"images"`
			Next string `json:"next"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		for _, im := range page.Images {
			ids = append(ids, im.ID)
		}
		next = page.Next
	}
	return ids
}

func imageID(t *testing.T, name string) string {
	t.Helper()
	im, ok := world.seed.Images[name]
	if !ok {
		t.Fatalf("seed has no image %q", name)
	}
	return im.ID
}

func idsOf(t *testing.T, body map[string]any) []string {
	t.Helper()
	list, ok := body["images"].([]any)
	if !ok {
		t.Fatalf("no images list in %v", body)
	}
	ids := make([]string, 0, len(list))
	for _, x := range list {
		ids = append(ids, x.(map[string]any)["id"].(string))
	}
	return ids
}
