//go:build e2e

package e2e

// Real, unmodified legacy clients against imagegw in front of the real
// Keystone + Glance:
//
//   - gophercloud v1 (the last v1 release, openstack/compute/v2/images),
//     in process;
//   - openstacksdk and the openstack CLI from Debian (python3-openstacksdk,
//     python3-openstackclient; scripts/clients/install.sh installs them),
//     driven by scripts/clients/sdk_images.py, whose JSON output is
//     asserted on here.
//
// Run alone: go test -count=1 -tags e2e -run 'Legacy|Client' ./e2e/

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gc1 "github.com/gophercloud/gophercloud"
	openstack1 "github.com/gophercloud/gophercloud/openstack"
	images1 "github.com/gophercloud/gophercloud/openstack/compute/v2/images"
	pagination1 "github.com/gophercloud/gophercloud/pagination"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// ---------------------------------------------------------------- helpers

// lcCreateImage creates an image in Glance as user (removed at cleanup) and
// returns its id.
func lcCreateImage(t *testing.T, user string, props map[string]any) string {
	t.Helper()
	body := map[string]any{
		"name":             fmt.Sprintf("legacy-client-%d", time.Now().UnixNano()),
		"disk_format":      "raw",
		"container_format": "bare",
	}
	for k, v := range props {
		body[k] = v
	}
	b, err := json.Marshal(body)
	require.NoError(t, err)
	r := do(t, world.glance, "POST", "/v2/images", user, map[string]string{"Content-Type": "application/json"}, string(b))
	require.Equal(t, 201, r.Status, string(r.Body))
	id := r.JSON(t)["id"].(string)
	t.Cleanup(func() {
		do(t, world.glance, "PATCH", "/v2/images/"+id, "admin",
			map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"},
			`[{"op": "replace", "path": "/protected", "value": false}]`)
		do(t, world.glance, "DELETE", "/v2/images/"+id, "admin", nil, "")
	})
	return id
}

// lcShow is imagegw's raw GET /v2.1/images/{id} as demo.
func lcShow(t *testing.T, id string) map[string]any {
	t.Helper()
	r := gw(t, "GET", "/v2.1/images/"+id, "demo", nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	return r.JSON(t)["image"].(map[string]any)
}

// glanceStatus is the status of GET /v2/images/{id} on Glance as demo.
func glanceStatus(t *testing.T, id string) int {
	t.Helper()
	return do(t, world.glance, "GET", "/v2/images/"+id, "demo", nil, "").Status
}

// stableList runs list between two Glance listings of the same query (as
// demo) and returns its ids with Glance's. When another process changes the
// cloud's images in between it tries again (3 times at most).
func stableList(t *testing.T, glanceQuery string, list func() []string) (got, glance []string) {
	t.Helper()
	for range 3 {
		before := glanceIDs(t, "demo", glanceQuery)
		got = list()
		after := glanceIDs(t, "demo", glanceQuery)
		if strings.Join(before, ",") == strings.Join(after, ",") {
			return got, after
		}
	}
	t.Fatalf("Glance's list (%s) kept changing while the client listed: another test writing to the cloud?", glanceQuery)
	return nil, nil
}

// ------------------------------------------------------- gophercloud v1

// recorder keeps the requests a client sends (method, URL, version headers).
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(req.Context()))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// since returns the requests to imagegw recorded after the first n.
func (r *recorder) since(n int) []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*http.Request
	for _, req := range r.reqs[n:] {
		if strings.HasPrefix(req.URL.String(), world.gw.URL) {
			out = append(out, req)
		}
	}
	return out
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// gophercloudV1 authenticates user (clouds.yaml entry) with gophercloud v1
// and returns a compute ServiceClient factory whose endpoint is imagegw: the
// catalog has no compute endpoint, so the provider's EndpointLocator answers
// imagegw for "compute" (v1's EndpointOpts has no override field) and the
// catalog for everything else.
func gophercloudV1(t *testing.T, user string) (func(microversion string) *gc1.ServiceClient, *recorder) {
	t.Helper()
	ao, _, _, err := clouds.Parse(clouds.WithCloudName(user))
	require.NoError(t, err)
	opts := gc1.AuthOptions{
		IdentityEndpoint: ao.IdentityEndpoint,
		Username:         ao.Username,
		Password:         ao.Password,
		DomainID:         ao.DomainID,
		DomainName:       ao.DomainName,
		TenantName:       ao.TenantName,
	}
	if s := ao.Scope; s != nil {
		opts.Scope = &gc1.AuthScope{ProjectID: s.ProjectID, ProjectName: s.ProjectName, DomainID: s.DomainID, DomainName: s.DomainName}
	}
	rec := &recorder{}
	pc, err := openstack1.NewClient(opts.IdentityEndpoint)
	require.NoError(t, err)
	pc.HTTPClient = http.Client{Transport: rec, Timeout: 60 * time.Second}
	require.NoError(t, openstack1.Authenticate(pc, opts))
	catalog := pc.EndpointLocator
	pc.EndpointLocator = func(eo gc1.EndpointOpts) (string, error) {
		if eo.Type == "compute" {
			return world.gw.URL + "/v2.1/", nil
		}
		return catalog(eo)
	}
	return func(mv string) *gc1.ServiceClient {
		sc, err := openstack1.NewComputeV2(pc, gc1.EndpointOpts{Region: "RegionOne"})
		require.NoError(t, err)
		require.Equal(t, world.gw.URL+"/v2.1/", sc.Endpoint)
		sc.Microversion = mv
		return sc
	}, rec
}

// v1Status is the HTTP status of a gophercloud v1 error (0 if none).
func v1Status(t *testing.T, err error) int {
	t.Helper()
	var sc gc1.StatusCodeError
	if !errors.As(err, &sc) {
		t.Fatalf("not an HTTP status error: %T %v", err, err)
	}
	return sc.GetStatusCode()
}

// v1Fault is the Nova fault carried by a gophercloud v1 error: its key
// (itemNotFound, badRequest, ...) and message, checked against the status.
func v1Fault(t *testing.T, err error) (key, message string) {
	t.Helper()
	var e gc1.ErrUnexpectedResponseCode
	switch x := err.(type) {
	case gc1.ErrDefault400:
		e = x.ErrUnexpectedResponseCode
	case gc1.ErrDefault403:
		e = x.ErrUnexpectedResponseCode
	case gc1.ErrDefault404:
		e = x.ErrUnexpectedResponseCode
	case gc1.ErrUnexpectedResponseCode:
		e = x
	default:
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
	var body map[string]struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(e.Body, &body), "%s", e.Body)
	require.Len(t, body, 1, "%s", e.Body)
	for k, f := range body {
		require.Equal(t, e.Actual, f.Code, "%s", e.Body)
		key, message = k, f.Message
	}
	return key, message
}

// v1Message is the message of the Nova fault in a gophercloud v1 error.
func v1Message(t *testing.T, err error) string {
	t.Helper()
	_, m := v1Fault(t, err)
	return m
}

type v1Page struct {
	ids []string
	url string
}

// v1Walk lists through the v1 pager, page by page.
func v1Walk(sc *gc1.ServiceClient, opts images1.ListOptsBuilder) ([]images1.Image, []v1Page, error) {
	var all []images1.Image
	var pages []v1Page
	err := images1.ListDetail(sc, opts).EachPage(func(p pagination1.Page) (bool, error) {
		ims, err := images1.ExtractImages(p)
		if err != nil {
			return false, err
		}
		u := p.(images1.ImagePage).URL
		pg := v1Page{url: u.String()}
		for _, im := range ims {
			pg.ids = append(pg.ids, im.ID)
		}
		pages = append(pages, pg)
		all = append(all, ims...)
		return true, nil
	})
	return all, pages, err
}

func v1IDs(ims []images1.Image) []string {
	ids := []string{}
	for _, im := range ims {
		ids = append(ids, im.ID)
	}
	return ids
}

// v1List lists everything (one request, no limit).
func v1List(t *testing.T, sc *gc1.ServiceClient, opts images1.ListOptsBuilder) []images1.Image {
	t.Helper()
	ims, _, err := v1Walk(sc, opts)
	require.NoError(t, err)
	return ims
}

func TestLegacyClientGophercloudV1(t *testing.T) {
	compute, rec := gophercloudV1(t, "demo")
	sc := compute("") // no microversion: 2.1, as gophercloud sends by default

	t.Run("list and filters", func(t *testing.T) {
		got, want := stableList(t, "", func() []string { return v1IDs(v1List(t, sc, nil)) })
		require.Equal(t, want, got, "ListDetail without options = Glance's list")
		require.Greater(t, len(got), 20)

		ims := v1List(t, sc, images1.ListOpts{Name: "ref-dup-name"})
		got, want = stableList(t, "name=ref-dup-name", func() []string { return v1IDs(v1List(t, sc, images1.ListOpts{Name: "ref-dup-name"})) })
		require.Equal(t, want, got)
		require.ElementsMatch(t, []string{imageID(t, "ref-dup-name-a"), imageID(t, "ref-dup-name-b")}, v1IDs(ims))
		for _, im := range ims {
			require.Equal(t, "ref-dup-name", im.Name)
			require.Equal(t, "SAVING", im.Status, "queued images are Nova's SAVING")
			require.Equal(t, 25, im.Progress)
		}

		ims = v1List(t, sc, images1.ListOpts{Name: "ref-active"})
		require.Len(t, ims, 1)
		require.Equal(t, imageID(t, "ref-active"), ims[0].ID)
		require.Equal(t, "ACTIVE", ims[0].Status)
		require.Equal(t, 100, ims[0].Progress)

		var active []images1.Image
		got, want = stableList(t, "status=active", func() []string {
			active = v1List(t, sc, images1.ListOpts{Status: "ACTIVE"})
			return v1IDs(active)
		})
		require.Equal(t, want, got, "status=ACTIVE = Glance's status=active")
		require.NotEmpty(t, active)
		for _, im := range active {
			require.Equal(t, "ACTIVE", im.Status, im.Name)
		}

		got, want = stableList(t, "updated_at=gte:2000-01-01T00:00:00Z", func() []string {
			return v1IDs(v1List(t, sc, images1.ListOpts{ChangesSince: "2000-01-01T00:00:00Z"}))
		})
		require.Equal(t, want, got)
		require.Empty(t, v1List(t, sc, images1.ListOpts{ChangesSince: "2999-01-01T00:00:00Z"}))
		// an image changed after T is listed with changes-since T
		since := time.Now().UTC().Add(-2 * time.Second).Format(time.RFC3339)
		fresh := lcCreateImage(t, "demo", nil)
		got, want = stableList(t, "updated_at=gte:"+since, func() []string {
			return v1IDs(v1List(t, sc, images1.ListOpts{ChangesSince: since}))
		})
		require.Equal(t, want, got)
		require.Contains(t, got, fresh)

		// a bad filter is Nova's 400, as gophercloud's ErrDefault400
		_, _, err := v1Walk(sc, images1.ListOpts{ChangesSince: "yesterday"})
		require.Equal(t, 400, v1Status(t, err))
		require.IsType(t, gc1.ErrDefault400{}, err)
		require.Equal(t, "HTTP 400 Bad Request: Bad &quot;updated_at&quot; query filter format. Use ISO 8601 DateTime notation.", v1Message(t, err))
	})

	t.Run("pager walks images_links", func(t *testing.T) {
		var pages []v1Page
		var reqs []*http.Request
		got, want := stableList(t, "", func() []string {
			n := rec.count()
			ims, p, err := v1Walk(sc, images1.ListOpts{Limit: 7})
			require.NoError(t, err)
			pages, reqs = p, rec.since(n)
			return v1IDs(ims)
		})
		require.Equal(t, want, got, "the pages concatenate to the full list")
		require.Equal(t, int(math.Ceil(float64(len(want))/7)), len(pages))
		require.GreaterOrEqual(t, len(pages), 5)
		require.Equal(t, world.gw.URL+"/v2.1/images/detail?limit=7", pages[0].url)
		for i, p := range pages {
			if i < len(pages)-1 {
				require.Len(t, p.ids, 7)
			}
			if i > 0 {
				// gophercloud follows imagegw's next link as it is
				u, err := url.Parse(p.url)
				require.NoError(t, err)
				require.Equal(t, world.gw.URL+"/v2.1/images/detail", u.Scheme+"://"+u.Host+u.Path)
				require.Equal(t, pages[i-1].ids[6], u.Query().Get("marker"))
				require.Equal(t, "7", u.Query().Get("limit"))
			}
		}
		// one more request after a full last page (imagegw links it, the
		// answer is empty), none after a short one
		extra := 0
		if len(want)%7 == 0 {
			extra = 1
		}
		require.Len(t, reqs, len(pages)+extra)
	})

	t.Run("get", func(t *testing.T) {
		for _, name := range []string{"ref-active", "ref-queued", "ref-custom-props", "ref-minram-big", "ref-alt-shared-to-demo-accepted"} {
			id := imageID(t, name)
			res := images1.Get(sc, id)
			im, err := res.Extract()
			require.NoError(t, err, name)
			raw := lcShow(t, id) // the same image, raw JSON
			require.Equal(t, id, im.ID)
			require.Equal(t, raw["name"], im.Name)
			require.Equal(t, raw["status"], im.Status)
			require.Equal(t, raw["progress"], float64(im.Progress))
			require.Equal(t, raw["minRam"], float64(im.MinRAM))
			require.Equal(t, raw["minDisk"], float64(im.MinDisk))
			require.Equal(t, raw["created"], im.Created)
			require.Equal(t, raw["updated"], im.Updated)
			require.Equal(t, raw["metadata"], im.Metadata)
			require.Equal(t, "compute 2.1", res.Header.Get("OpenStack-API-Version"))
		}
		im, err := images1.Get(sc, imageID(t, "ref-active")).Extract()
		require.NoError(t, err)
		require.Equal(t, "ref-active", im.Name)
		require.Equal(t, "ACTIVE", im.Status)
		require.Equal(t, 100, im.Progress)
		im, err = images1.Get(sc, imageID(t, "ref-custom-props")).Extract()
		require.NoError(t, err)
		require.Equal(t, "ubuntu", im.Metadata["os_distro"])

		for _, id := range []string{"00000000-0000-0000-0000-000000000000", imageID(t, "ref-alt-private"), "not-a-uuid"} {
			_, err := images1.Get(sc, id).Extract()
			require.IsType(t, gc1.ErrDefault404{}, err, id)
			require.Equal(t, 404, v1Status(t, err))
			key, msg := v1Fault(t, err)
			require.Equal(t, "itemNotFound", key)
			require.Equal(t, "Image not found.", msg)
		}
	})

	t.Run("delete", func(t *testing.T) {
		id := lcCreateImage(t, "demo", nil)
		im, err := images1.Get(sc, id).Extract()
		require.NoError(t, err)
		require.Equal(t, "SAVING", im.Status)

		res := images1.Delete(sc, id)
		require.NoError(t, res.ExtractErr())
		require.Equal(t, 404, glanceStatus(t, id), "deleted in Glance")
		_, err = images1.Get(sc, id).Extract()
		require.IsType(t, gc1.ErrDefault404{}, err)
		err = images1.Delete(sc, id).ExtractErr()
		require.IsType(t, gc1.ErrDefault404{}, err)
		require.Equal(t, "Image not found.", v1Message(t, err))

		// a protected image of one's own, and another project's public image
		prot := lcCreateImage(t, "demo", map[string]any{"protected": true})
		err = images1.Delete(sc, prot).ExtractErr()
		require.IsType(t, gc1.ErrDefault403{}, err)
		require.Equal(t, "You are not allowed to delete the image.", v1Message(t, err))
		require.Equal(t, 200, glanceStatus(t, prot), "still there")
		pub := lcCreateImage(t, "admin", map[string]any{"visibility": "public"})
		err = images1.Delete(sc, pub).ExtractErr()
		require.IsType(t, gc1.ErrDefault403{}, err)
		require.Equal(t, 200, glanceStatus(t, pub), "still there")
	})

	t.Run("microversions", func(t *testing.T) {
		active := imageID(t, "ref-active")
		for _, mv := range []string{"2.1", "2.20", "2.35"} {
			c := compute(mv)
			n := rec.count()
			res := images1.Get(c, active)
			im, err := res.Extract()
			require.NoError(t, err, mv)
			require.Equal(t, "ref-active", im.Name)
			require.Equal(t, "compute "+mv, res.Header.Get("OpenStack-API-Version"))
			require.Equal(t, mv, res.Header.Get("X-OpenStack-Nova-API-Version"))
			reqs := rec.since(n)
			require.Len(t, reqs, 1)
			require.Equal(t, mv, reqs[0].Header.Get("X-OpenStack-Nova-API-Version"), "gophercloud sends both headers")
			require.Equal(t, "compute "+mv, reqs[0].Header.Get("OpenStack-API-Version"))
			ims := v1List(t, c, images1.ListOpts{Name: "ref-dup-name"})
			require.Len(t, ims, 2, mv)
		}
		// from 2.36 the image calls are Nova's 404, and delete deletes nothing
		victim := lcCreateImage(t, "demo", nil)
		for _, mv := range []string{"2.36", "2.38", "2.93", "latest"} {
			c := compute(mv)
			res := images1.Get(c, active)
			_, err := res.Extract()
			require.IsType(t, gc1.ErrDefault404{}, err, mv)
			key, msg := v1Fault(t, err)
			require.Equal(t, "itemNotFound", key)
			require.Equal(t, "The resource could not be found.", msg)
			_, _, err = v1Walk(c, images1.ListOpts{Limit: 7})
			require.IsType(t, gc1.ErrDefault404{}, err, mv)
			err = images1.Delete(c, victim).ExtractErr()
			require.IsType(t, gc1.ErrDefault404{}, err, mv)
			require.Equal(t, 200, glanceStatus(t, victim), "not deleted at %s", mv)
		}
		// out of range is Nova's 406, malformed 400
		_, err := images1.Get(compute("2.94"), active).Extract()
		require.Equal(t, 406, v1Status(t, err))
		_, err = images1.Get(compute("2.x"), active).Extract()
		require.Equal(t, 400, v1Status(t, err))
	})

	t.Run("project-scoped and legacy v2 endpoints", func(t *testing.T) {
		pid := world.seed.Projects["demo"]
		for _, tc := range []struct{ path, mv string }{
			{"/v2.1/" + pid + "/", ""},
			{"/v2.1/" + pid + "/", "2.35"},
			{"/v2/" + pid + "/", ""},
			{"/v2/" + pid + "/", "2.36"}, // legacy /v2 ignores versions
		} {
			c := compute(tc.mv)
			c.Endpoint = world.gw.URL + tc.path
			var pages []v1Page
			got, want := stableList(t, "", func() []string {
				ims, p, err := v1Walk(c, images1.ListOpts{Limit: 7})
				require.NoError(t, err, tc.path)
				pages = p
				return v1IDs(ims)
			})
			require.Equal(t, want, got, tc.path)
			for _, p := range pages {
				require.True(t, strings.HasPrefix(p.url, world.gw.URL+tc.path+"images/detail?"), p.url)
			}
			im, err := images1.Get(c, imageID(t, "ref-active")).Extract()
			require.NoError(t, err, tc.path)
			require.Equal(t, "ref-active", im.Name)
		}
	})

	// gophercloud v1 has no package for the image metadata calls (nor
	// images.IDFromName, moved to gophercloud/utils in 0.10.0): a v1 user
	// calls them through the ServiceClient, which adds the microversion.
	t.Run("metadata through the ServiceClient", func(t *testing.T) {
		id := lcCreateImage(t, "demo", map[string]any{"foo": "bar"})
		for _, mv := range []string{"", "2.35", "2.38"} {
			c := compute(mv)
			var body struct {
				Metadata map[string]string `json:"metadata"`
				Meta     map[string]string `json:"meta"`
			}
			url := c.ServiceURL("images", id, "metadata")
			_, err := c.Post(url, map[string]any{"metadata": map[string]string{"k": "v" + mv}}, &body, &gc1.RequestOpts{OkCodes: []int{200}})
			require.NoError(t, err, mv)
			require.Equal(t, map[string]string{"foo": "bar", "k": "v" + mv}, body.Metadata)
			body.Metadata = nil
			_, err = c.Get(url, &body, nil)
			require.NoError(t, err, mv)
			require.Equal(t, map[string]string{"foo": "bar", "k": "v" + mv}, body.Metadata)
			_, err = c.Put(c.ServiceURL("images", id, "metadata", "x"), map[string]any{"meta": map[string]string{"x": "1"}}, &body, &gc1.RequestOpts{OkCodes: []int{200}})
			require.NoError(t, err, mv)
			require.Equal(t, map[string]string{"x": "1"}, body.Meta)
			_, err = c.Delete(c.ServiceURL("images", id, "metadata", "x"), nil)
			require.NoError(t, err, mv)
			_, err = c.Delete(c.ServiceURL("images", id, "metadata", "x"), nil)
			require.IsType(t, gc1.ErrDefault404{}, err)
			require.Equal(t, "Invalid metadata key", v1Message(t, err))
		}
		c := compute("2.39")
		var body map[string]any
		_, err := c.Get(c.ServiceURL("images", id, "metadata"), &body, nil)
		require.IsType(t, gc1.ErrDefault404{}, err)
		require.Equal(t, "The resource could not be found.", v1Message(t, err))
		_, err = c.Post(c.ServiceURL("images", id, "metadata"), map[string]any{"metadata": map[string]string{"k": "2.39"}}, &body, &gc1.RequestOpts{OkCodes: []int{200}})
		require.IsType(t, gc1.ErrDefault404{}, err)
		r := do(t, world.glance, "GET", "/v2/images/"+id, "demo", nil, "")
		require.Equal(t, "v2.38", r.JSON(t)["k"], "2.39 wrote nothing")
	})
}

// ------------------------------------------------------- openstacksdk

type sdkRequest struct {
	Method          string  `json:"method"`
	URL             string  `json:"url"`
	Status          int     `json:"status"`
	VersionSent     *string `json:"version_sent"`
	VersionAnswered *string `json:"version_answered"`
}

type sdkCall struct {
	Value json.RawMessage `json:"value"`
	Error *struct {
		Type    string `json:"type"`
		Status  *int   `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
	Requests []sdkRequest `json:"requests"`
	Glance   []string     `json:"glance"`
	Stable   *bool        `json:"stable"`
}

type sdkImage struct {
	ID       string           `json:"id"`
	Name     *string          `json:"name"`
	Status   *string          `json:"status"`
	Progress *int             `json:"progress"`
	MinRAM   *int             `json:"min_ram"`
	MinDisk  *int             `json:"min_disk"`
	Size     *int             `json:"size"`
	Metadata map[string]any   `json:"metadata"`
	Created  *string          `json:"created_at"`
	Updated  *string          `json:"updated_at"`
	Links    []map[string]any `json:"links"`
}

type sdkResult struct {
	Fatal      string                        `json:"fatal"`
	Traceback  string                        `json:"traceback"`
	SDKVersion string                        `json:"sdk_version"`
	ProjectID  string                        `json:"project_id"`
	MetaImage  string                        `json:"meta_image"`
	Calls      map[string]*sdkCall           `json:"calls"`
	Versions   map[string]map[string]sdkCall `json:"versions"`
	Endpoints  map[string]struct {
		Endpoint  string  `json:"endpoint"`
		List      sdkCall `json:"list"`
		ListPaged sdkCall `json:"list_paged"`
		Get       sdkCall `json:"get"`
	} `json:"endpoints"`
}

func (c *sdkCall) ok(t *testing.T, what string) {
	t.Helper()
	require.NotNil(t, c, what)
	require.Nil(t, c.Error, "%s: %+v", what, c.Error)
}

func (c *sdkCall) fails(t *testing.T, what, typ string, status int, msg string) {
	t.Helper()
	require.NotNil(t, c, what)
	require.NotNil(t, c.Error, "%s should fail, got %s", what, c.Value)
	require.Equal(t, typ, c.Error.Type, what)
	if status != 0 {
		require.NotNil(t, c.Error.Status, what)
		require.Equal(t, status, *c.Error.Status, what)
	}
	require.Contains(t, c.Error.Message, msg, what)
}

func (c *sdkCall) images(t *testing.T, what string) []sdkImage {
	t.Helper()
	c.ok(t, what)
	var ims []sdkImage
	require.NoError(t, json.Unmarshal(c.Value, &ims), what)
	return ims
}

func (c *sdkCall) image(t *testing.T, what string) sdkImage {
	t.Helper()
	c.ok(t, what)
	var im sdkImage
	require.NoError(t, json.Unmarshal(c.Value, &im), what)
	return im
}

func (c *sdkCall) metadata(t *testing.T, what string) map[string]any {
	t.Helper()
	c.ok(t, what)
	var m map[string]any
	require.NoError(t, json.Unmarshal(c.Value, &m), what)
	return m
}

// sameAsGlance checks a listing call against Glance's list taken around it.
func (c *sdkCall) sameAsGlance(t *testing.T, what string) []sdkImage {
	t.Helper()
	ims := c.images(t, what)
	require.NotNil(t, c.Stable, what)
	require.True(t, *c.Stable, "%s: Glance's list changed during the call (another test writing?)", what)
	ids := []string{}
	for _, im := range ims {
		ids = append(ids, im.ID)
	}
	require.Equal(t, c.Glance, ids, what)
	return ims
}

func (r sdkRequest) String() string {
	s := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	return fmt.Sprintf("%s %s %d sent=%s answered=%s", r.Method, r.URL, r.Status, s(r.VersionSent), s(r.VersionAnswered))
}

func reqLines(rs []sdkRequest) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

// runSDKScript runs scripts/clients/sdk_images.py against the shared imagegw.
func runSDKScript(t *testing.T) sdkResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", filepath.Join("..", "scripts", "clients", "sdk_images.py"))
	cmd.Env = append(os.Environ(),
		"IMAGEGW_URL="+world.gw.URL,
		"OS_CLIENT_CONFIG_FILE="+filepath.Join(world.dir, "clouds.yaml"),
		"IMAGEGW_CLIENT_CLOUD=demo",
		"IMAGEGW_READ_IMAGE="+imageID(t, "ref-active"),
		"IMAGEGW_NAME_FILTER=ref-dup-name",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res sdkResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("sdk_images.py printed no JSON (%v; run scripts/clients/install.sh?): %v\nstdout: %s\nstderr: %s", runErr, err, stdout.Bytes(), stderr.Bytes())
	}
	if res.Fatal != "" {
		t.Fatalf("sdk_images.py: %s\n%s\nstderr: %s", res.Fatal, res.Traceback, stderr.Bytes())
	}
	return res
}

func TestLegacyClientOpenstackSDK(t *testing.T) {
	res := runSDKScript(t)
	t.Logf("openstacksdk %s", res.SDKVersion)
	require.Equal(t, world.seed.Projects["demo"], res.ProjectID)
	call := func(name string) *sdkCall {
		c, ok := res.Calls[name]
		require.True(t, ok, "no call %s in the script's output", name)
		return c
	}
	active := imageID(t, "ref-active")
	dups := []string{imageID(t, "ref-dup-name-a"), imageID(t, "ref-dup-name-b")}

	t.Run("discovery and default version", func(t *testing.T) {
		// the SDK reads imagegw's version document (unauthenticated), then
		// sends no microversion for the image calls: they run at 2.1
		c := call("list_detail")
		require.Equal(t, []string{
			"GET /v2.1 200 sent=- answered=compute 2.1",
			"GET /v2.1/images/detail 200 sent=- answered=compute 2.1",
		}, reqLines(c.Requests))
	})

	t.Run("lists and filters", func(t *testing.T) {
		require.Greater(t, len(call("list_detail").sameAsGlance(t, "images()")), 20)
		for _, im := range call("list_index").sameAsGlance(t, "images(details=False)") {
			require.Nil(t, im.Status, "the index view has id, name, links only")
			require.NotEmpty(t, im.Links)
		}
		require.Equal(t, []string{"GET /v2.1/images 200 sent=- answered=compute 2.1"}, reqLines(call("list_index").Requests))

		ims := call("list_name").sameAsGlance(t, "images(name=)")
		require.ElementsMatch(t, dups, []string{ims[0].ID, ims[1].ID})
		require.Equal(t, "GET /v2.1/images/detail?name=ref-dup-name", call("list_name").Requests[0].Method+" "+call("list_name").Requests[0].URL)

		ims = call("list_status_active").sameAsGlance(t, "images(status=ACTIVE)")
		require.NotEmpty(t, ims)
		for _, im := range ims {
			require.Equal(t, "ACTIVE", *im.Status)
		}
		require.Contains(t, call("list_changes_since_past").Requests[0].URL, "changes-since=2000-01-01T00%3A00%3A00Z")
		require.NotEmpty(t, call("list_changes_since_past").sameAsGlance(t, "images(changes_since=past)"))
		require.Empty(t, call("list_changes_since_future").sameAsGlance(t, "images(changes_since=future)"))
	})

	t.Run("pagination follows images_links", func(t *testing.T) {
		for name, path := range map[string]string{"list_paged": "/v2.1/images/detail", "list_index_paged": "/v2.1/images"} {
			c := call(name)
			ims := c.sameAsGlance(t, name)
			// the pages are walked with imagegw's next links; one request
			// more answers no image: after a full last page imagegw links a
			// next page, after a short one the SDK (limit given, no link)
			// asks once more with the last id as marker
			pages := (len(ims)+6)/7 + 1
			require.Len(t, c.Requests, pages, "%s: %v", name, reqLines(c.Requests))
			require.GreaterOrEqual(t, pages, 5)
			require.Equal(t, path+"?limit=7", c.Requests[0].URL)
			for i, r := range c.Requests[1:] {
				u, err := url.Parse(r.URL)
				require.NoError(t, err)
				require.Equal(t, path, u.Path)
				require.Equal(t, ims[min(7*(i+1), len(ims))-1].ID, u.Query().Get("marker"), name)
				require.Equal(t, "7", u.Query().Get("limit"))
				require.Equal(t, 200, r.Status)
			}
		}
	})

	t.Run("get and find", func(t *testing.T) {
		im := call("get").image(t, "get_image")
		raw := lcShow(t, active)
		require.Equal(t, active, im.ID)
		require.Equal(t, "ref-active", *im.Name)
		require.Equal(t, "ACTIVE", *im.Status)
		require.Equal(t, 100, *im.Progress)
		require.Equal(t, 27, *im.Size)
		require.Equal(t, raw["minRam"], float64(*im.MinRAM))
		require.Equal(t, raw["minDisk"], float64(*im.MinDisk))
		require.Equal(t, raw["created"], *im.Created)
		require.Equal(t, raw["updated"], *im.Updated)
		require.Equal(t, raw["metadata"], im.Metadata)
		require.Equal(t, world.gw.URL+"/v2.1/images/"+active, im.Links[0]["href"])

		// find by name: GET /images/<name> is a 404, then the name filter
		require.Equal(t, active, call("find_by_name").image(t, "find_image(name)").ID)
		require.Equal(t, []string{
			"GET /v2.1/images/ref-active 404 sent=- answered=compute 2.1",
			"GET /v2.1/images?name=ref-active 200 sent=- answered=compute 2.1",
		}, reqLines(call("find_by_name").Requests))
		require.Equal(t, active, call("find_by_id").image(t, "find_image(id)").ID)
		call("find_duplicate_name").fails(t, "find_image(duplicate name)", "DuplicateResource", 0, "More than one Image exists with the name 'ref-dup-name'")
		call("get_missing").fails(t, "get_image(missing)", "ResourceNotFound", 404, "Image not found.")
	})

	t.Run("metadata", func(t *testing.T) {
		require.Equal(t, map[string]any{"foo": "bar"}, call("metadata_get").metadata(t, "get_image_metadata"))
		require.Equal(t, map[string]any{"a": "1", "b": "2"}, call("metadata_set").metadata(t, "set_image_metadata"))
		require.Equal(t, "POST", call("metadata_set").Requests[0].Method)
		require.Equal(t, map[string]any{"a": "1", "b": "2", "foo": "bar"}, call("metadata_get_after_set").metadata(t, "get after set"))
		call("metadata_delete_key").ok(t, "delete_image_metadata(keys)")
		require.Equal(t, []string{"DELETE /v2.1/images/" + res.MetaImage + "/metadata/a 204 sent=- answered=compute 2.1"},
			reqLines(call("metadata_delete_key").Requests))
		require.Equal(t, map[string]any{"b": "2", "foo": "bar"}, call("metadata_get_after_delete_key").metadata(t, "get after delete key"))
		call("metadata_delete_missing_key").fails(t, "delete_image_metadata(missing key)", "ResourceNotFound", 404, "Invalid metadata key")
		// without keys the SDK PUTs an empty set
		call("metadata_delete_all").ok(t, "delete_image_metadata()")
		require.Equal(t, []string{"PUT /v2.1/images/" + res.MetaImage + "/metadata 200 sent=- answered=compute 2.1"},
			reqLines(call("metadata_delete_all").Requests))
		require.Equal(t, map[string]any{}, call("metadata_get_after_delete_all").metadata(t, "get after delete all"))
		call("metadata_set_invalid_key").fails(t, "set_image_metadata(a/b)", "BadRequestException", 400,
			"Invalid input for field/attribute metadata. Value: {'a/b': '1'}. 'a/b' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'")
		call("metadata_get_missing_image").fails(t, "get_image_metadata(missing)", "ResourceNotFound", 404, "Image not found.")
	})

	t.Run("delete", func(t *testing.T) {
		im := call("get_before_delete").image(t, "get before delete")
		require.Equal(t, "SAVING", *im.Status)
		require.Equal(t, 25, *im.Progress)
		call("delete").ok(t, "delete_image")
		require.Equal(t, 204, call("delete").Requests[0].Status)
		call("get_after_delete").fails(t, "get after delete", "ResourceNotFound", 404, "Image not found.")
		call("delete_again_ignore_missing").ok(t, "delete_image(ignore_missing=True) of a deleted image")
		require.Equal(t, 404, call("delete_again_ignore_missing").Requests[0].Status)
		call("delete_again_strict").fails(t, "delete_image(ignore_missing=False)", "ResourceNotFound", 404, "Image not found.")
		call("delete_protected").fails(t, "delete_image(protected)", "HttpException", 403, "You are not allowed to delete the image.")
		call("get_protected_after_delete").ok(t, "protected image still there")
	})

	t.Run("pinned microversions", func(t *testing.T) {
		require.Len(t, res.Versions, 5)
		for v, calls := range res.Versions {
			t.Run(v, func(t *testing.T) {
				for name, c := range calls {
					for _, r := range c.Requests {
						if strings.HasPrefix(r.URL, "/v2.1/images") {
							require.NotNil(t, r.VersionSent, "%s %s", name, r)
							require.Equal(t, "compute "+v, *r.VersionSent, "the SDK sends the pinned version")
							require.Equal(t, "compute "+v, *r.VersionAnswered)
						}
					}
				}
				// the image calls end at 2.35, the metadata calls at 2.38
				imagesOK := v == "2.1" || v == "2.35"
				metaOK := imagesOK || v == "2.36" || v == "2.38"
				list, get := calls["list"], calls["get"]
				if imagesOK {
					ims := list.images(t, "images() at "+v)
					require.ElementsMatch(t, dups, []string{ims[0].ID, ims[1].ID})
					require.Equal(t, "ref-active", *get.image(t, "get_image at "+v).Name)
				} else {
					list.fails(t, "images() at "+v, "ResourceNotFound", 404, "The resource could not be found.")
					get.fails(t, "get_image at "+v, "ResourceNotFound", 404, "The resource could not be found.")
				}
				set, getMeta := calls["metadata_set"], calls["metadata_get"]
				if metaOK {
					require.Equal(t, map[string]any{"v": v}, set.metadata(t, "set_image_metadata at "+v))
					require.Equal(t, map[string]any{"v": v}, getMeta.metadata(t, "get_image_metadata at "+v))
				} else {
					set.fails(t, "set_image_metadata at "+v, "ResourceNotFound", 404, "The resource could not be found.")
					getMeta.fails(t, "get_image_metadata at "+v, "ResourceNotFound", 404, "The resource could not be found.")
				}
			})
		}
	})

	t.Run("endpoint forms", func(t *testing.T) {
		pid := world.seed.Projects["demo"]
		// the last line is the list call; the others are version discovery
		// (the SDK caches it per endpoint, so it may be absent)
		v21 := []string{"GET /v2.1 200 sent=- answered=compute 2.1", "GET /v2.1/ 200 sent=- answered=compute 2.1"}
		want := map[string][]string{
			// catalog-style project URL: discovery strips the project id
			"v2.1/project": {
				v21[0], v21[1],
				"GET /v2.1/" + pid + "/images/detail?name=ref-dup-name 200 sent=- answered=compute 2.1",
			},
			// legacy /v2: no version headers either way
			"v2/project": {
				"GET /v2 200 sent=- answered=-",
				"GET /v2/" + pid + "/images/detail?name=ref-dup-name 200 sent=- answered=-",
			},
			"v2/project pinned 2.36": {
				"GET /v2 200 sent=- answered=-",
				"GET /v2/" + pid + "/images/detail?name=ref-dup-name 200 sent=compute 2.36 answered=-",
			},
			// the root: the SDK picks v2.1 from imagegw's version list
			"root": {
				"GET / 200 sent=- answered=-", v21[0], v21[1],
				"GET /v2.1/images/detail?name=ref-dup-name 200 sent=- answered=compute 2.1",
			},
			"root pinned 2.35": {
				"GET / 200 sent=- answered=-", v21[0], v21[1],
				"GET /v2.1/images/detail?name=ref-dup-name 200 sent=compute 2.35 answered=compute 2.35",
			},
		}
		require.Len(t, res.Endpoints, len(want))
		for label, lines := range want {
			ep, ok := res.Endpoints[label]
			require.True(t, ok, label)
			ims := ep.List.images(t, label)
			require.Len(t, ims, 2, label)
			require.ElementsMatch(t, dups, []string{ims[0].ID, ims[1].ID}, label)
			// discovery requests of an endpoint already seen are cached by the SDK
			got := reqLines(ep.List.Requests)
			require.Equal(t, lines[len(lines)-1], got[len(got)-1], label)
			require.Subset(t, lines, got, label)
			im := ep.Get.image(t, label)
			require.Equal(t, "ref-active", *im.Name, label)
			// paging stays on the endpoint's path (the links are imagegw's)
			ims = ep.ListPaged.sameAsGlance(t, label+" paged")
			require.Len(t, ep.ListPaged.Requests, (len(ims)+19)/20+1, label)
			prefix := strings.TrimSuffix(strings.TrimPrefix(ep.Endpoint, world.gw.URL), "/")
			if prefix == "" {
				prefix = "/v2.1"
			}
			for _, r := range ep.ListPaged.Requests {
				require.True(t, strings.HasPrefix(r.URL, prefix+"/images?"), "%s: %s", label, r)
				require.Equal(t, 200, r.Status)
			}
		}
	})
}

// ------------------------------------------------------- openstack CLI

// The openstack CLI (python3-openstackclient) has no command that reaches
// the compute images API: its `image` commands use Glance even when the
// compute endpoint is imagegw; the compute group only has `server image
// create` (a server action) and `aggregate cache image`.
func TestLegacyClientOpenstackCLI(t *testing.T) {
	cliRun := func(t *testing.T, env []string, args ...string) (stdout, stderr []byte) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "/usr/bin/openstack", args...)
		cmd.Env = append(os.Environ(), env...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Run(); err != nil {
			t.Fatalf("openstack %s: %v (run scripts/clients/install.sh?)\n%s", strings.Join(args, " "), err, e.Bytes())
		}
		return o.Bytes(), e.Bytes()
	}

	t.Run("no compute image commands", func(t *testing.T) {
		out, _ := cliRun(t, nil, "command", "list", "-f", "json")
		var groups []struct {
			Group    string   `json:"Command Group"`
			Commands []string `json:"Commands"`
		}
		require.NoError(t, json.Unmarshal(out, &groups))
		var computeImage, imageCmds []string
		for _, g := range groups {
			for _, c := range g.Commands {
				switch {
				case strings.HasPrefix(g.Group, "openstack.compute") && strings.Contains(c, "image"):
					computeImage = append(computeImage, c)
				case strings.HasPrefix(g.Group, "openstack.image") && strings.HasPrefix(c, "image "):
					imageCmds = append(imageCmds, c)
				}
			}
		}
		sort.Strings(computeImage)
		require.Equal(t, []string{"aggregate cache image", "server image create"}, computeImage)
		require.Subset(t, imageCmds, []string{"image list", "image show", "image delete", "image set"})
	})

	t.Run("image commands use Glance, not the compute endpoint", func(t *testing.T) {
		// a clouds.yaml whose demo entry points compute at imagegw
		b, err := os.ReadFile(filepath.Join(world.dir, "clouds.yaml"))
		require.NoError(t, err)
		var cfg map[string]map[string]map[string]any
		require.NoError(t, yaml.Unmarshal(b, &cfg))
		demo := cfg["clouds"]["demo"]
		demo["compute_endpoint_override"] = world.gw.URL + "/v2.1"
		demo["compute_api_version"] = "2.35"
		out, err := yaml.Marshal(map[string]any{"clouds": map[string]any{"demo-imagegw": demo}})
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "clouds.yaml")
		require.NoError(t, os.WriteFile(path, out, 0o600))

		active := imageID(t, "ref-active")
		stdout, stderr := cliRun(t, []string{"OS_CLIENT_CONFIG_FILE=" + path},
			"--os-cloud", "demo-imagegw", "--debug", "image", "show", active, "-f", "json")
		var shown map[string]any
		require.NoError(t, json.Unmarshal(stdout, &shown), string(stdout))
		require.Equal(t, active, shown["id"])
		require.Equal(t, "ref-active", shown["name"])
		require.Equal(t, "active", shown["status"], "Glance's status, not Nova's ACTIVE")
		var urls []string
		for _, line := range strings.Split(string(stderr), "\n") {
			if strings.HasPrefix(line, "REQ: curl") {
				urls = append(urls, line)
			}
		}
		require.NotEmpty(t, urls)
		for _, u := range urls {
			require.NotContains(t, u, world.gw.URL, "no request to imagegw")
		}
		require.True(t, strings.Contains(strings.Join(urls, "\n"), world.glance+"/v2/images/"+active), "%s", strings.Join(urls, "\n"))
	})
}
