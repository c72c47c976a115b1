//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// createImage makes a fresh image in Glance as user (removed at cleanup,
// protected or not): raw/bare, named after the test unless body names it,
// with body's other attributes and properties. body may be nil; it is
// copied, so a caller's map stays as it was.
func createImage(t *testing.T, user string, body map[string]any) string {
	t.Helper()
	img := map[string]any{"name": "e2e-" + strings.ReplaceAll(t.Name(), "/", "-")}
	for k, v := range body {
		img[k] = v
	}
	img["disk_format"], img["container_format"] = "raw", "bare"
	b, err := json.Marshal(img)
	require.NoError(t, err)
	r := do(t, world.glance, "POST", "/v2/images", user, map[string]string{"Content-Type": "application/json"}, string(b))
	require.Equal(t, 201, r.Status, string(r.Body))
	id := r.JSON(t)["id"].(string)
	t.Cleanup(func() {
		patch := `[{"op": "replace", "path": "/protected", "value": false}]`
		do(t, world.glance, "PATCH", "/v2/images/"+id, "admin", map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"}, patch)
		do(t, world.glance, "DELETE", "/v2/images/"+id, "admin", nil, "")
	})
	return id
}

func gwBody(t *testing.T, method, path, user, body string, hdr map[string]string) resp {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range hdr {
		h[k] = v
	}
	return do(t, world.gw.URL, method, path, user, h, body)
}

func metadataOf(t *testing.T, user, id string) map[string]any {
	t.Helper()
	r := gw(t, "GET", "/v2.1/images/"+id+"/metadata", user, nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	return r.JSON(t)["metadata"].(map[string]any)
}

func fault(t *testing.T, r resp, status int, msg string) {
	t.Helper()
	require.Equal(t, status, r.Status, string(r.Body))
	require.Equal(t, "application/json; charset=UTF-8", r.Header.Get("Content-Type"))
	body := r.JSON(t)
	require.Len(t, body, 1)
	for _, v := range body {
		require.Equal(t, msg, v.(map[string]any)["message"])
		require.Equal(t, float64(status), v.(map[string]any)["code"])
	}
}

func TestMetadataRoutes(t *testing.T) {
	id := createImage(t, "demo", map[string]any{"a": "1", "b": "2"})
	base := "/v2.1/images/" + id + "/metadata"
	require.Equal(t, map[string]any{"a": "1", "b": "2"}, metadataOf(t, "demo", id))

	r := gw(t, "GET", base+"/a", "demo", nil)
	require.Equal(t, 200, r.Status)
	require.Equal(t, map[string]any{"meta": map[string]any{"a": "1"}}, r.JSON(t))
	fault(t, gw(t, "GET", base+"/missing", "demo", nil), 404, "The resource could not be found.")

	// POST merges and answers the image's properties as stored
	r = gwBody(t, "POST", base, "demo", `{"metadata": {"b": "20", "c": "3", "name": "ignored"}}`, nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, map[string]any{"metadata": map[string]any{"a": "1", "b": "20", "c": "3"}}, r.JSON(t))
	require.Equal(t, "e2e-TestMetadataRoutes", showImageByID(t, "demo", id)["name"], "base attributes are never written")

	// PUT item sets one key and echoes the body
	r = gwBody(t, "PUT", base+"/d", "demo", `{"meta": {"d": "4"}}`, nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, map[string]any{"meta": map[string]any{"d": "4"}}, r.JSON(t))
	fault(t, gwBody(t, "PUT", base+"/d", "demo", `{"meta": {"e": "4"}}`, nil), 400, "Request body and URI mismatch")
	// a key with a space, through the URL
	r = gwBody(t, "PUT", base+"/key%20with%20space", "demo", `{"meta": {"key with space": "s"}}`, nil)
	require.Equal(t, 200, r.Status, string(r.Body))

	// DELETE item
	r = gw(t, "DELETE", base+"/a", "demo", nil)
	require.Equal(t, 204, r.Status)
	require.Empty(t, r.Body)
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	fault(t, gw(t, "DELETE", base+"/a", "demo", nil), 404, "Invalid metadata key")
	require.Equal(t, map[string]any{"b": "20", "c": "3", "d": "4", "key with space": "s"}, metadataOf(t, "demo", id))

	// PUT replaces everything and echoes the request (base-named keys included)
	r = gwBody(t, "PUT", base, "demo", `{"metadata": {"x": "9", "status": "queued"}}`, nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, map[string]any{"metadata": map[string]any{"x": "9", "status": "queued"}}, r.JSON(t))
	// another status is refused as Glance refuses it behind Nova
	fault(t, gwBody(t, "PUT", base, "demo", `{"metadata": {"status": "active"}}`, nil), 403, "Not authorized for image "+id+".")
	require.Equal(t, map[string]any{"x": "9"}, metadataOf(t, "demo", id))

	// the same through the legacy and project-scoped URLs
	demo := world.seed.Projects["demo"]
	r = gwBody(t, "POST", "/v2/"+demo+"/images/"+id+"/metadata", "demo", `{"metadata": {"y": "1"}, "dropped": 1}`, nil)
	require.Equal(t, 200, r.Status, "legacy /v2 drops unknown top-level members: %s", r.Body)
	r = gw(t, "GET", "/v2.1/"+demo+"/images/"+id+"/metadata/y", "demo", nil)
	require.Equal(t, 200, r.Status)

	// an empty PUT removes every property
	r = gwBody(t, "PUT", base, "demo", `{"metadata": {}}`, nil)
	require.Equal(t, 200, r.Status)
	require.Equal(t, map[string]any{}, metadataOf(t, "demo", id))
}

func showImageByID(t *testing.T, user, id string) map[string]any {
	t.Helper()
	r := gw(t, "GET", "/v2.1/images/"+id, user, nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	return r.JSON(t)["image"].(map[string]any)
}

func TestMetadataValidationAndVersions(t *testing.T) {
	id := createImage(t, "demo", map[string]any{"a": "1"})
	base := "/v2.1/images/" + id + "/metadata"
	for body, msg := range map[string]string{
		``:                             "None is not of type 'object'",
		`null`:                         "None is not of type 'object'",
		`[]`:                           "[] is not of type 'object'",
		`{}`:                           "'metadata' is a required property",
		`{"metadata": {}, "extra": 1}`: "Additional properties are not allowed ('extra' was unexpected)",
		`{"metadata": {"a": 1}}`:       "Invalid input for field/attribute a. Value: 1. 1 is not of type 'string'",
		`{"metadata": {"a/b": "1"}}`:   "Invalid input for field/attribute metadata. Value: {'a/b': '1'}. 'a/b' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'",
		`{"metadata": {"a": "` + strings.Repeat("v", 256) + `"}}`: "Invalid input for field/attribute a. Value: " + strings.Repeat("v", 256) + ". '" + strings.Repeat("v", 256) + "' is too long",
		`{bad json`: "Malformed request body",
	} {
		fault(t, gwBody(t, "POST", base, "demo", body, nil), 400, msg)
	}
	fault(t, gwBody(t, "PUT", base+"/a", "demo", `{"meta": {}}`, nil), 400, "Invalid input for field/attribute meta. Value: {}. {} does not have enough properties")
	fault(t, gwBody(t, "PUT", base+"/a", "demo", `{"meta": {"a": "1", "b": "2"}}`, nil), 400,
		"Invalid input for field/attribute meta. Value: {'a': '1', 'b': '2'}. {'a': '1', 'b': '2'} has too many properties")
	// the URI mismatch is found before the image is read
	fault(t, gwBody(t, "PUT", "/v2.1/images/00000000-0000-0000-0000-000000000000/metadata/a", "demo", `{"meta": {"b": "1"}}`, nil), 400, "Request body and URI mismatch")
	// text/plain and no Content-Type are parsed as JSON; XML is 415
	r := do(t, world.gw.URL, "POST", base, "demo", map[string]string{"Content-Type": "text/plain"}, `{"metadata": {"t": "1"}}`)
	require.Equal(t, 200, r.Status)
	fault(t, gwBody(t, "POST", base, "demo", `{"metadata": {}}`, map[string]string{"Content-Type": "application/xml"}), 415, "Unsupported Content-Type")

	v := func(ver string) map[string]string { return map[string]string{legacyHdr: ver} }
	r = gwBody(t, "POST", base, "demo", `{"metadata": {"v": "1"}}`, v("2.38"))
	require.Equal(t, 200, r.Status)
	requireVersionHeaders(t, r, "2.38")
	r = gwBody(t, "POST", base, "demo", `{"metadata": {"v": "1"}}`, v("2.39"))
	fault(t, r, 404, "The resource could not be found.")
	requireVersionHeaders(t, r, "2.39")
	// a malformed body is reported before the version range, as in Nova
	fault(t, gwBody(t, "POST", base, "demo", `{bad`, v("2.39")), 400, "Malformed request body")
	for _, path := range []string{base, base + "/a"} {
		fault(t, gw(t, "GET", path, "demo", v("2.39")), 404, "The resource could not be found.")
		require.Equal(t, 200, gw(t, "GET", path, "demo", v("2.38")).Status)
	}
	// a bad hex project in the URL beats the version 404
	alt := world.seed.Projects["alt"]
	r = gw(t, "GET", "/v2.1/"+alt+"/images/"+id+"/metadata", "demo", v("2.39"))
	require.Equal(t, 400, r.Status)
}

func TestMetadataQuota(t *testing.T) {
	props := map[string]any{}
	for i := 0; i < 126; i++ {
		props[fmt.Sprintf("k%03d", i)] = "v"
	}
	id := createImage(t, "demo", props)
	base := "/v2.1/images/" + id + "/metadata"
	fault(t, gwBody(t, "POST", base, "demo", `{"metadata": {"n1": "1", "n2": "2", "n3": "3"}}`, nil), 403, "Image metadata limit exceeded")
	require.Len(t, metadataOf(t, "demo", id), 126, "nothing written on a quota refusal")
	require.Equal(t, 200, gwBody(t, "POST", base, "demo", `{"metadata": {"n1": "1", "n2": "2"}}`, nil).Status, "128 is fine")
	fault(t, gwBody(t, "PUT", base+"/n3", "demo", `{"meta": {"n3": "3"}}`, nil), 403, "Image metadata limit exceeded")
	require.Equal(t, 200, gwBody(t, "PUT", base+"/n1", "demo", `{"meta": {"n1": "changed"}}`, nil).Status, "existing key")
	require.Equal(t, 200, gwBody(t, "POST", base, "demo", `{"metadata": {"k000": "x"}}`, nil).Status, "existing key")

	many := map[string]string{}
	for i := 0; i < 129; i++ {
		many[fmt.Sprintf("p%03d", i)] = "v"
	}
	b, _ := json.Marshal(map[string]any{"metadata": many})
	fault(t, gwBody(t, "PUT", base, "demo", string(b), nil), 403, "Image metadata limit exceeded")
	delete(many, "p000")
	b, _ = json.Marshal(map[string]any{"metadata": many})
	require.Equal(t, 200, gwBody(t, "PUT", base, "demo", string(b), nil).Status)
	require.Len(t, metadataOf(t, "demo", id), 128)
}

func TestMetadataOwnership(t *testing.T) {
	own := createImage(t, "demo", map[string]any{"a": "1"})
	body := `{"metadata": {"x": "1"}}`
	// visible but not owned: public (admin's) and shared (alt's, accepted by demo)
	for _, name := range []string{"ref-admin-public", "ref-alt-shared-to-demo-accepted"} {
		id := imageID(t, name)
		fault(t, gwBody(t, "POST", "/v2.1/images/"+id+"/metadata", "demo", body, nil), 403, "Not authorized for image "+id+".")
		fault(t, gwBody(t, "PUT", "/v2.1/images/"+id+"/metadata/x", "demo", `{"meta": {"x": "1"}}`, nil), 403, "Not authorized for image "+id+".")
	}
	// not visible: another project's private image
	fault(t, gwBody(t, "POST", "/v2.1/images/"+own+"/metadata", "alt", body, nil), 404, "Image not found.")
	fault(t, gw(t, "GET", "/v2.1/images/"+own+"/metadata", "alt", nil), 404, "Image not found.")
	// reserved keys are refused by Glance
	fault(t, gwBody(t, "POST", "/v2.1/images/"+own+"/metadata", "demo", `{"metadata": {"os_glance_x": "1"}}`, nil), 403, "Not authorized for image "+own+".")
	// protected images can be changed
	prot := createImage(t, "demo", map[string]any{"protected": true})
	require.Equal(t, 200, gwBody(t, "POST", "/v2.1/images/"+prot+"/metadata", "demo", body, nil).Status)
	// a write that changes nothing is still refused on an image the caller does not own
	shared := imageID(t, "ref-alt-shared-to-demo-accepted")
	fault(t, gwBody(t, "PUT", "/v2.1/images/"+shared+"/metadata", "demo", `{"metadata": {}}`, nil), 403, "Not authorized for image "+shared+".")
	fault(t, gwBody(t, "POST", "/v2.1/images/"+shared+"/metadata", "demo", `{"metadata": {"name": "x"}}`, nil), 403, "Not authorized for image "+shared+".")
	// and, unlike Nova, a write never changes the image's visibility
	mine := createImage(t, "demo", map[string]any{"visibility": "shared"})
	require.Equal(t, 200, gwBody(t, "POST", "/v2.1/images/"+mine+"/metadata", "demo", body, nil).Status)
	g := do(t, world.glance, "GET", "/v2/images/"+mine, "demo", nil, "")
	require.Equal(t, "shared", g.JSON(t)["visibility"])
	// admin may write another project's image
	require.Equal(t, 200, gwBody(t, "POST", "/v2.1/images/"+own+"/metadata", "admin", body, nil).Status)
}

func TestDeleteImage(t *testing.T) {
	own := createImage(t, "demo", map[string]any{})
	r := gw(t, "DELETE", "/v2.1/images/"+own, "demo", nil)
	require.Equal(t, 204, r.Status, string(r.Body))
	require.Empty(t, r.Body)
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	fault(t, gw(t, "DELETE", "/v2.1/images/"+own, "demo", nil), 404, "Image not found.")
	fault(t, gw(t, "GET", "/v2.1/images/"+own, "demo", nil), 404, "Image not found.")

	prot := createImage(t, "demo", map[string]any{"protected": true})
	fault(t, gw(t, "DELETE", "/v2.1/images/"+prot, "demo", nil), 403, "You are not allowed to delete the image.")
	fault(t, gw(t, "DELETE", "/v2.1/images/"+imageID(t, "ref-admin-public"), "demo", nil), 403, "You are not allowed to delete the image.")
	fault(t, gw(t, "DELETE", "/v2.1/images/"+imageID(t, "ref-alt-shared-to-demo-accepted"), "demo", nil), 403, "You are not allowed to delete the image.")
	for _, id := range []string{imageID(t, "ref-alt-private"), "00000000-0000-0000-0000-000000000000", "invalid", "-1", "detail"} {
		fault(t, gw(t, "DELETE", "/v2.1/images/"+id, "demo", nil), 404, "Image not found.")
	}
	// admin deletes demo's image; legacy URL; above 2.35 the route is gone
	other := createImage(t, "demo", map[string]any{})
	fault(t, gw(t, "DELETE", "/v2.1/images/"+other, "demo", map[string]string{legacyHdr: "2.36"}), 404, "The resource could not be found.")
	require.Equal(t, 204, gw(t, "DELETE", "/v2/"+world.seed.Projects["admin"]+"/images/"+other, "admin", nil).Status)
}

// TestConcurrentMetadataWritesLoseNothing: Nova rewrites the whole property
// set on every write, so concurrent writers of different keys can undo
// each other; imagegw sends only the keys of each request.
func TestConcurrentMetadataWritesLoseNothing(t *testing.T) {
	id := createImage(t, "demo", map[string]any{"base": "1"})
	const n = 24
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var r resp
			if i%2 == 0 {
				r = gwBody(t, "POST", "/v2.1/images/"+id+"/metadata", "demo", fmt.Sprintf(`{"metadata": {"key%02d": "v%d"}}`, i, i), nil)
			} else {
				r = gwBody(t, "PUT", fmt.Sprintf("/v2.1/images/%s/metadata/key%02d", id, i), "demo", fmt.Sprintf(`{"meta": {"key%02d": "v%d"}}`, i, i), nil)
			}
			statuses[i] = r.Status
		}(i)
	}
	wg.Wait()
	for i, s := range statuses {
		require.Equal(t, 200, s, "writer %d", i)
	}
	md := metadataOf(t, "demo", id)
	require.Len(t, md, n+1)
	for i := 0; i < n; i++ {
		require.Equal(t, fmt.Sprintf("v%d", i), md[fmt.Sprintf("key%02d", i)])
	}
}
