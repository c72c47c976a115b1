//go:build e2e

package e2e

import (
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	gc1 "github.com/gophercloud/gophercloud"
	images1 "github.com/gophercloud/gophercloud/openstack/compute/v2/images"
	"github.com/stretchr/testify/require"
)

func TestLegacyClientGophercloudV1(t *testing.T) {
	compute, rec := gophercloudV1(t, "demo")
	sc := compute("") // no microversion: 2.1, as gophercloud sends by default

	t.Run("list and filters", func(t *testing.T) {
		v1ListFilters(t, sc)
		v1ChangesSince(t, sc)
	})
	t.Run("pager walks images_links", func(t *testing.T) { v1Pager(t, sc, rec) })
	t.Run("get", func(t *testing.T) { v1Get(t, sc) })
	t.Run("delete", func(t *testing.T) { v1Delete(t, sc) })
	t.Run("microversions", func(t *testing.T) { v1Microversions(t, compute, rec) })
	t.Run("project-scoped and legacy v2 endpoints", func(t *testing.T) { v1Endpoints(t, compute) })
	t.Run("metadata through the ServiceClient", func(t *testing.T) { v1Metadata(t, compute) })
}

func v1ListFilters(t *testing.T, sc *gc1.ServiceClient) {
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
}

func v1ChangesSince(t *testing.T, sc *gc1.ServiceClient) {
	got, want := stableList(t, "updated_at=gte:2000-01-01T00:00:00Z", func() []string {
		return v1IDs(v1List(t, sc, images1.ListOpts{ChangesSince: "2000-01-01T00:00:00Z"}))
	})
	require.Equal(t, want, got)
	require.Empty(t, v1List(t, sc, images1.ListOpts{ChangesSince: "2999-01-01T00:00:00Z"}))
	// an image changed after T is listed with changes-since T
	since := time.Now().UTC().Add(-2 * time.Second).Format(time.RFC3339)
	fresh := createImage(t, "demo", nil)
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
}

func v1Pager(t *testing.T, sc *gc1.ServiceClient, rec *recorder) {
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
}

func v1Get(t *testing.T, sc *gc1.ServiceClient) {
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
}

func v1Delete(t *testing.T, sc *gc1.ServiceClient) {
	id := createImage(t, "demo", nil)
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
	prot := createImage(t, "demo", map[string]any{"protected": true})
	err = images1.Delete(sc, prot).ExtractErr()
	require.IsType(t, gc1.ErrDefault403{}, err)
	require.Equal(t, "You are not allowed to delete the image.", v1Message(t, err))
	require.Equal(t, 200, glanceStatus(t, prot), "still there")
	pub := createImage(t, "admin", map[string]any{"visibility": "public"})
	err = images1.Delete(sc, pub).ExtractErr()
	require.IsType(t, gc1.ErrDefault403{}, err)
	require.Equal(t, 200, glanceStatus(t, pub), "still there")
}

func v1Microversions(t *testing.T, compute func(string) *gc1.ServiceClient, rec *recorder) {
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
	victim := createImage(t, "demo", nil)
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
}

func v1Endpoints(t *testing.T, compute func(string) *gc1.ServiceClient) {
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
}

// gophercloud v1 has no package for the image metadata calls (nor
// images.IDFromName, moved to gophercloud/utils in 0.10.0): a v1 user
// calls them through the ServiceClient, which adds the microversion.
func v1Metadata(t *testing.T, compute func(string) *gc1.ServiceClient) {
	id := createImage(t, "demo", map[string]any{"foo": "bar"})
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
}
