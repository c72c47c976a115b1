//go:build e2e

package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLegacyClientOpenstackSDK(t *testing.T) {
	res := runSDKScript(t)
	t.Logf("openstacksdk %s", res.SDKVersion)
	require.Equal(t, world.seed.Projects["demo"], res.ProjectID)
	// Each subtest looks its calls up with its own t (res.call): a missing
	// call then fails that subtest, not the parent from the subtest's
	// goroutine, which Go turns into a panic.
	call := res.call
	active := imageID(t, "ref-active")
	dups := []string{imageID(t, "ref-dup-name-a"), imageID(t, "ref-dup-name-b")}

	t.Run("discovery and default version", func(t *testing.T) { sdkDiscovery(t, call) })
	t.Run("lists and filters", func(t *testing.T) { sdkListsAndFilters(t, call, dups) })
	t.Run("pagination follows images_links", func(t *testing.T) { sdkPagination(t, call) })
	t.Run("get and find", func(t *testing.T) { sdkGetAndFind(t, call, active) })
	t.Run("metadata", func(t *testing.T) { sdkMetadata(t, call, res.MetaImage) })
	t.Run("delete", func(t *testing.T) { sdkDelete(t, call) })
	t.Run("pinned microversions", func(t *testing.T) {
		require.Len(t, res.Versions, 5)
		for v, calls := range res.Versions {
			t.Run(v, func(t *testing.T) { sdkPinnedVersion(t, v, calls, dups) })
		}
	})
	t.Run("endpoint forms", func(t *testing.T) { sdkEndpointForms(t, res.Endpoints, dups) })
}

func sdkDiscovery(t *testing.T, call func(*testing.T, string) *sdkCall) {
	// the SDK reads imagegw's version document (unauthenticated), then
	// sends no microversion for the image calls: they run at 2.1
	c := call(t, "list_detail")
	require.Equal(t, []string{
		"GET /v2.1 200 sent=- answered=compute 2.1",
		"GET /v2.1/images/detail 200 sent=- answered=compute 2.1",
	}, reqLines(c.Requests))
}

func sdkListsAndFilters(t *testing.T, call func(*testing.T, string) *sdkCall, dups []string) {
	require.Greater(t, len(call(t, "list_detail").sameAsGlance(t, "images()")), 20)
	for _, im := range call(t, "list_index").sameAsGlance(t, "images(details=False)") {
		require.Nil(t, im.Status, "the index view has id, name, links only")
		require.NotEmpty(t, im.Links)
	}
	require.Equal(t, []string{"GET /v2.1/images 200 sent=- answered=compute 2.1"}, reqLines(call(t, "list_index").Requests))

	ims := call(t, "list_name").sameAsGlance(t, "images(name=)")
	require.ElementsMatch(t, dups, []string{ims[0].ID, ims[1].ID})
	require.Equal(t, "GET /v2.1/images/detail?name=ref-dup-name", call(t, "list_name").Requests[0].Method+" "+call(t, "list_name").Requests[0].URL)

	ims = call(t, "list_status_active").sameAsGlance(t, "images(status=ACTIVE)")
	require.NotEmpty(t, ims)
	for _, im := range ims {
		require.Equal(t, "ACTIVE", *im.Status)
	}
	require.Contains(t, call(t, "list_changes_since_past").Requests[0].URL, "changes-since=2000-01-01T00%3A00%3A00Z")
	require.NotEmpty(t, call(t, "list_changes_since_past").sameAsGlance(t, "images(changes_since=past)"))
	require.Empty(t, call(t, "list_changes_since_future").sameAsGlance(t, "images(changes_since=future)"))
}

func sdkPagination(t *testing.T, call func(*testing.T, string) *sdkCall) {
	for name, path := range map[string]string{"list_paged": "/v2.1/images/detail", "list_index_paged": "/v2.1/images"} {
		c := call(t, name)
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
}

func sdkGetAndFind(t *testing.T, call func(*testing.T, string) *sdkCall, active string) {
	im := call(t, "get").image(t, "get_image")
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
	require.Equal(t, active, call(t, "find_by_name").image(t, "find_image(name)").ID)
	require.Equal(t, []string{
		"GET /v2.1/images/ref-active 404 sent=- answered=compute 2.1",
		"GET /v2.1/images?name=ref-active 200 sent=- answered=compute 2.1",
	}, reqLines(call(t, "find_by_name").Requests))
	require.Equal(t, active, call(t, "find_by_id").image(t, "find_image(id)").ID)
	call(t, "find_duplicate_name").fails(t, "find_image(duplicate name)", "DuplicateResource", 0, "More than one Image exists with the name 'ref-dup-name'")
	call(t, "get_missing").fails(t, "get_image(missing)", "ResourceNotFound", 404, "Image not found.")
}

func sdkMetadata(t *testing.T, call func(*testing.T, string) *sdkCall, metaImage string) {
	require.Equal(t, map[string]any{"foo": "bar"}, call(t, "metadata_get").metadata(t, "get_image_metadata"))
	require.Equal(t, map[string]any{"a": "1", "b": "2"}, call(t, "metadata_set").metadata(t, "set_image_metadata"))
	require.Equal(t, "POST", call(t, "metadata_set").Requests[0].Method)
	require.Equal(t, map[string]any{"a": "1", "b": "2", "foo": "bar"}, call(t, "metadata_get_after_set").metadata(t, "get after set"))
	call(t, "metadata_delete_key").ok(t, "delete_image_metadata(keys)")
	require.Equal(t, []string{"DELETE /v2.1/images/" + metaImage + "/metadata/a 204 sent=- answered=compute 2.1"},
		reqLines(call(t, "metadata_delete_key").Requests))
	require.Equal(t, map[string]any{"b": "2", "foo": "bar"}, call(t, "metadata_get_after_delete_key").metadata(t, "get after delete key"))
	call(t, "metadata_delete_missing_key").fails(t, "delete_image_metadata(missing key)", "ResourceNotFound", 404, "Invalid metadata key")
	// without keys the SDK PUTs an empty set
	call(t, "metadata_delete_all").ok(t, "delete_image_metadata()")
	require.Equal(t, []string{"PUT /v2.1/images/" + metaImage + "/metadata 200 sent=- answered=compute 2.1"},
		reqLines(call(t, "metadata_delete_all").Requests))
	require.Equal(t, map[string]any{}, call(t, "metadata_get_after_delete_all").metadata(t, "get after delete all"))
	call(t, "metadata_set_invalid_key").fails(t, "set_image_metadata(a/b)", "BadRequestException", 400,
		"Invalid input for field/attribute metadata. Value: {'a/b': '1'}. 'a/b' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'")
	call(t, "metadata_get_missing_image").fails(t, "get_image_metadata(missing)", "ResourceNotFound", 404, "Image not found.")
}

func sdkDelete(t *testing.T, call func(*testing.T, string) *sdkCall) {
	im := call(t, "get_before_delete").image(t, "get before delete")
	require.Equal(t, "SAVING", *im.Status)
	require.Equal(t, 25, *im.Progress)
	call(t, "delete").ok(t, "delete_image")
	require.Equal(t, 204, call(t, "delete").Requests[0].Status)
	call(t, "get_after_delete").fails(t, "get after delete", "ResourceNotFound", 404, "Image not found.")
	call(t, "delete_again_ignore_missing").ok(t, "delete_image(ignore_missing=True) of a deleted image")
	require.Equal(t, 404, call(t, "delete_again_ignore_missing").Requests[0].Status)
	call(t, "delete_again_strict").fails(t, "delete_image(ignore_missing=False)", "ResourceNotFound", 404, "Image not found.")
	call(t, "delete_protected").fails(t, "delete_image(protected)", "HttpException", 403, "You are not allowed to delete the image.")
	call(t, "get_protected_after_delete").ok(t, "protected image still there")
}

func sdkPinnedVersion(t *testing.T, v string, calls map[string]sdkCall, dups []string) {
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
}

func sdkEndpointForms(t *testing.T, endpoints map[string]sdkEndpoint, dups []string) {
	want := sdkEndpointRequests(world.seed.Projects["demo"])
	require.Len(t, endpoints, len(want))
	for label, lines := range want {
		ep, ok := endpoints[label]
		require.True(t, ok, label)
		sdkEndpointForm(t, label, lines, ep, dups)
	}
}

// In each form's list, the last line is the list call; the others are
// version discovery (the SDK caches it per endpoint, so it may be absent).
func sdkEndpointRequests(pid string) map[string][]string {
	v21 := []string{"GET /v2.1 200 sent=- answered=compute 2.1", "GET /v2.1/ 200 sent=- answered=compute 2.1"}
	return map[string][]string{
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
}

func sdkEndpointForm(t *testing.T, label string, lines []string, ep sdkEndpoint, dups []string) {
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
