//go:build e2e

package e2e

import (
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestListMatchesGlanceOrderAndVisibility(t *testing.T) {
	for _, user := range []string{"demo", "alt", "admin"} {
		t.Run(user, func(t *testing.T) {
			want := glanceIDs(t, user, "")
			require.NotEmpty(t, want)
			for _, path := range []string{"/v2.1/images", "/v2.1/images/detail"} {
				r := gw(t, "GET", path, user, nil)
				require.Equal(t, 200, r.Status, string(r.Body))
				require.Equal(t, "application/json", r.Header.Get("Content-Type"))
				require.Equal(t, want, idsOf(t, r.JSON(t)), path)
			}
		})
	}
	// demo never sees alt's private image nor pending shares or hidden images
	ids := idsOf(t, gw(t, "GET", "/v2.1/images", "demo", nil).JSON(t))
	for _, name := range []string{"ref-alt-private", "ref-alt-shared-to-demo-pending", "ref-hidden", "ref-alt-community"} {
		require.NotContains(t, ids, imageID(t, name), name)
	}
	require.Contains(t, ids, imageID(t, "ref-alt-shared-to-demo-accepted"))
}

func TestIndexViewShape(t *testing.T) {
	r := gw(t, "GET", "/v2.1/images?name=ref-active", "demo", nil)
	require.Equal(t, 200, r.Status)
	body := r.JSON(t)
	require.Len(t, body, 1, "only 'images' without a next link")
	im := body["images"].([]any)[0].(map[string]any)
	require.ElementsMatch(t, []string{"id", "name", "links"}, keys(im))
	id := imageID(t, "ref-active")
	require.Equal(t, []any{
		map[string]any{"rel": "self", "href": world.gw.URL + "/v2.1/images/" + id},
		map[string]any{"rel": "bookmark", "href": world.gw.URL + "/images/" + id},
		map[string]any{"rel": "alternate", "type": "application/vnd.openstack.image", "href": world.glance + "/images/" + id},
	}, im["links"])
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func names(t *testing.T, ids []string) []string {
	byID := map[string]string{}
	for name, im := range world.seed.Images {
		byID[im.ID] = name
	}
	out := []string{}
	for _, id := range ids {
		if n, ok := byID[id]; ok {
			out = append(out, n)
		} else {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func TestFilters(t *testing.T) {
	iu := world.seed.InstanceUUID
	tests := []struct {
		name   string
		query  string
		glance string   // equivalent Glance query (oracle), "" = no filter
		exact  []string // seeded names expected exactly, when given
	}{
		{"name", "name=ref-active", "name=ref-active", []string{"ref-active"}},
		{"name duplicates", "name=ref-dup-name", "name=ref-dup-name", []string{"ref-dup-name-a", "ref-dup-name-b"}},
		{"name in: operator", "name=in:ref-active,ref-tagged", "name=in:ref-active,ref-tagged", []string{"ref-active", "ref-tagged"}},
		{"status upper", "status=ACTIVE", "status=active", nil},
		{"status mixed case", "status=AcTiVe", "status=active", nil},
		{"status SAVING is Glance's saving", "status=SAVING", "status=saving", []string{}},
		{"status bogus", "status=bogus", "status=bogus", []string{}},
		{"status queued", "status=queued", "status=queued", nil},
		{"minRam equality", "minRam=512", "min_ram=512", []string{"ref-minram-mindisk"}},
		{"minDisk equality", "minDisk=80", "min_disk=80", []string{"ref-minram-big"}},
		{"minRam invalid gives empty", "minRam=abc", "", []string{}},
		{"server uuid", "server=" + iu, "instance_uuid=" + iu, []string{"ref-snapshot", "ref-admin-public-snapshot"}},
		{"server URL", "server=" + url.QueryEscape("http://nova/v2.1/servers/"+iu), "instance_uuid=" + iu, []string{"ref-snapshot", "ref-admin-public-snapshot"}},
		{"type", "type=snapshot", "image_type=snapshot", []string{"ref-snapshot", "ref-admin-public-snapshot"}},
		{"changes-since past", "changes-since=2000-01-01T00:00:00Z", "updated_at=gte:2000-01-01T00:00:00Z", nil},
		{"changes-since future", "changes-since=2999-01-01T00:00:00Z", "updated_at=gte:2999-01-01T00:00:00Z", []string{}},
		// imagegw strips the exact prefix (Nova's lstrip bug would query s_distro)
		{"property os_distro", "property-os_distro=ubuntu", "os_distro=ubuntu", []string{"ref-custom-props"}},
		{"property custom_key with space", "property-custom_key=" + url.QueryEscape("custom value"), "custom_key=custom value", []string{"ref-custom-props"}},
		{"property hw_disk_bus", "property-hw_disk_bus=virtio", "hw_disk_bus=virtio", []string{"ref-admin-public"}},
		{"property empty value", "property-empty_prop=", "empty_prop=", []string{"ref-custom-props"}},
		{"unknown filters ignored", "visibility=private&is_public=true&foo=bar&sort_key=name", "", nil},
		{"combined", "status=ACTIVE&type=snapshot&minRam=0", "status=active&image_type=snapshot&min_ram=0", []string{"ref-snapshot", "ref-admin-public-snapshot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/v2.1/images?", "/v2.1/images/detail?"} {
				r := gw(t, "GET", path+tt.query, "demo", nil)
				require.Equal(t, 200, r.Status, string(r.Body))
				got := idsOf(t, r.JSON(t))
				if tt.glance != "" || tt.exact == nil {
					require.Equal(t, glanceIDs(t, "demo", glanceQuery(tt.glance)), got, "same as Glance for %s", tt.glance)
				}
				if tt.exact != nil {
					want := append([]string{}, tt.exact...)
					sort.Strings(want)
					require.Equal(t, want, names(t, got))
				}
			}
		})
	}
}

// glanceQuery encodes "k=v&k2=v2" (values unescaped) for Glance.
func glanceQuery(q string) string {
	if q == "" {
		return ""
	}
	var parts []string
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return strings.Join(parts, "&")
}

func TestFilterErrors(t *testing.T) {
	tests := []struct {
		query  string
		status int
		fault  string
		msg    string
	}{
		{"changes-since=bad", 400, "badRequest", "HTTP 400 Bad Request: Bad &quot;updated_at&quot; query filter format. Use ISO 8601 DateTime notation."},
		{"changes-since=", 400, "badRequest", "HTTP 400 Bad Request: Bad &quot;updated_at&quot; query filter format. Use ISO 8601 DateTime notation."},
		{"name=a:b", 400, "badRequest", "HTTP 400 Bad Request: Unable to filter by unknown operator &#x27;a&#x27;."},
		{"limit=-1", 400, "badRequest", "Invalid input received: limit must be >= 0"},
		{"limit=abc", 400, "badRequest", "Invalid input received: limit must be an integer"},
		{"page_size=1.5", 400, "badRequest", "Invalid input received: page_size must be an integer"},
		{"offset=-1", 400, "badRequest", "Invalid input received: offset must be >= 0"},
		{"marker=00000000-0000-0000-0000-000000000000", 400, "badRequest", "HTTP 400 Bad Request: No image found with ID 00000000-0000-0000-0000-000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := gw(t, "GET", "/v2.1/images?"+tt.query, "demo", nil)
			require.Equal(t, tt.status, r.Status, string(r.Body))
			require.Equal(t, "application/json; charset=UTF-8", r.Header.Get("Content-Type"))
			require.Equal(t, map[string]any{tt.fault: map[string]any{"code": float64(tt.status), "message": tt.msg}}, r.JSON(t))
		})
	}
	// a marker naming an image the caller cannot see is Glance's 403
	alt := imageID(t, "ref-alt-private")
	r := gw(t, "GET", "/v2.1/images?marker="+alt, "demo", nil)
	require.Equal(t, 403, r.Status, string(r.Body))
	require.Equal(t, "HTTP 403 Forbidden: Forbidding request, image "+alt+" not visible",
		r.JSON(t)["forbidden"].(map[string]any)["message"])
}

func TestPaginationWalk(t *testing.T) {
	all := glanceIDs(t, "demo", "")
	for _, path := range []string{"/v2.1/images", "/v2.1/images/detail"} {
		t.Run(path, func(t *testing.T) {
			var walked []string
			next := world.gw.URL + path + "?limit=7"
			pages := 0
			for next != "" {
				require.True(t, strings.HasPrefix(next, world.gw.URL+path+"?"), next)
				r := gw(t, "GET", strings.TrimPrefix(next, world.gw.URL), "demo", nil)
				require.Equal(t, 200, r.Status, string(r.Body))
				body := r.JSON(t)
				ids := idsOf(t, body)
				walked = append(walked, ids...)
				next = ""
				if links, ok := body["images_links"].([]any); ok {
					require.Len(t, ids, 7, "a next link only on a full page")
					l := links[0].(map[string]any)
					require.Equal(t, "next", l["rel"])
					require.Len(t, l, 2)
					next = l["href"].(string)
					u, err := url.Parse(next)
					require.NoError(t, err)
					require.Equal(t, ids[len(ids)-1], u.Query().Get("marker"))
				} else {
					require.Less(t, len(ids), 7+1)
				}
				pages++
				require.Less(t, pages, 50)
			}
			require.Equal(t, all, walked, "pages concatenate to the full list")
		})
	}
	// limit=0 and huge limits return everything, without a next link
	for _, q := range []string{"limit=0", "limit=99999999999999999999", "limit=1001", "page_size=3"} {
		r := gw(t, "GET", "/v2.1/images?"+q, "demo", nil)
		require.Equal(t, 200, r.Status)
		body := r.JSON(t)
		require.Equal(t, all, idsOf(t, body), q)
		require.NotContains(t, body, "images_links", q)
	}
	// empty marker is ignored; the last limit wins
	r := gw(t, "GET", "/v2.1/images?marker=&limit=9&limit=2", "demo", nil)
	require.Equal(t, all[:2], idsOf(t, r.JSON(t)))
}

func showImage(t *testing.T, user, name string) map[string]any {
	t.Helper()
	r := gw(t, "GET", "/v2.1/images/"+imageID(t, name), user, nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	return r.JSON(t)["image"].(map[string]any)
}

func TestShow(t *testing.T) {
	active := showImage(t, "demo", "ref-active")
	require.Equal(t, "ACTIVE", active["status"])
	require.Equal(t, float64(100), active["progress"])
	require.Equal(t, float64(27), active["OS-EXT-IMG-SIZE:size"])
	require.Equal(t, "ref-active", active["name"])
	require.Equal(t, map[string]any{}, active["metadata"])
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, active["created"])
	require.NotContains(t, active, "server")
	require.NotContains(t, active, "OS-DCF:diskConfig")

	queued := showImage(t, "demo", "ref-queued")
	require.Equal(t, "SAVING", queued["status"])
	require.Equal(t, float64(25), queued["progress"])
	require.Equal(t, float64(0), queued["OS-EXT-IMG-SIZE:size"])

	require.Nil(t, showImage(t, "demo", "ref-noname")["name"])
	require.Equal(t, "UNKNOWN", showImage(t, "demo", "ref-deactivated")["status"])
	require.Equal(t, "UNKNOWN", showImage(t, "demo", "ref-uploading")["status"])

	snap := showImage(t, "demo", "ref-snapshot")
	iu := world.seed.InstanceUUID
	require.Equal(t, map[string]any{"id": iu, "links": []any{
		map[string]any{"rel": "self", "href": world.gw.URL + "/v2.1/servers/" + iu},
		map[string]any{"rel": "bookmark", "href": world.gw.URL + "/servers/" + iu},
	}}, snap["server"])
	require.Equal(t, "snapshot", snap["metadata"].(map[string]any)["image_type"])

	for name, want := range map[string]string{"ref-autodisk-true": "AUTO", "ref-autodisk-false": "MANUAL", "ref-autodisk-invalid": "MANUAL"} {
		require.Equal(t, want, showImage(t, "demo", name)["OS-DCF:diskConfig"], name)
	}

	mm := showImage(t, "demo", "ref-minram-mindisk")
	require.Equal(t, float64(512), mm["minRam"])
	require.Equal(t, float64(10), mm["minDisk"])

	custom := showImage(t, "demo", "ref-custom-props")["metadata"].(map[string]any)
	require.Equal(t, "\u00fcn\u00efc\u00f8d\u00e9 \u2603", custom["unicode_prop"])
	require.Equal(t, "spaces", custom["key with spaces"])
	for _, k := range []string{"stores", "os_hash_algo", "os_hidden", "protected", "tags", "visibility"} {
		require.NotContains(t, custom, k)
	}
	// hidden images and pending shares can be shown
	showImage(t, "demo", "ref-hidden")
	showImage(t, "demo", "ref-alt-shared-to-demo-pending")
}

func TestShowNotFound(t *testing.T) {
	want := map[string]any{"itemNotFound": map[string]any{"code": float64(404), "message": "Image not found."}}
	active := imageID(t, "ref-active")
	for _, id := range []string{
		"00000000-0000-0000-0000-000000000000", "not-a-uuid", strings.ToUpper(active),
		strings.ReplaceAll(active, "-", ""), imageID(t, "ref-alt-private"), imageID(t, "ref-admin-private"),
	} {
		r := gw(t, "GET", "/v2.1/images/"+id, "demo", nil)
		require.Equal(t, 404, r.Status, id)
		require.Equal(t, "application/json; charset=UTF-8", r.Header.Get("Content-Type"))
		require.Equal(t, want, r.JSON(t), id)
	}
	// admin does see another project's private image
	showImage(t, "admin", "ref-alt-private")
}

func TestUnauthorized(t *testing.T) {
	want := map[string]any{"error": map[string]any{"code": float64(401), "title": "Unauthorized",
		"message": "The request you have made requires authentication."}}
	ksRoot := strings.TrimSuffix(world.keystone, "/v3")
	for _, tc := range []struct{ path, user string }{
		{"/v2.1/images", ""}, {"/v2.1/images", "not-a-valid-token"}, {"/v2.1/images/detail", "gAAAAAbogus"},
		{"/v2/images", ""}, {"/v2.1/no/such/route", ""},
	} {
		r := gw(t, "GET", tc.path, tc.user, map[string]string{"X-OpenStack-Nova-API-Version": "2.35"})
		require.Equal(t, 401, r.Status, tc)
		require.Equal(t, want, r.JSON(t))
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.Equal(t, `Keystone uri="`+ksRoot+`"`, r.Header.Get("WWW-Authenticate"))
		require.Empty(t, r.Header.Get("OpenStack-API-Version"))
	}
}

func TestURLForms(t *testing.T) {
	demo := world.seed.Projects["demo"]
	id := imageID(t, "ref-active")
	for _, tc := range []struct{ path, self, bookmark string }{
		{"/v2.1/images/" + id, "/v2.1/images/" + id, "/images/" + id},
		{"/v2.1/" + demo + "/images/" + id, "/v2.1/" + demo + "/images/" + id, "/" + demo + "/images/" + id},
		{"/v2/" + demo + "/images/" + id, "/v2/" + demo + "/images/" + id, "/" + demo + "/images/" + id},
		{"/v2/images/" + id, "/v2/images/" + id, "/images/" + id},
		// the project id anywhere in the URL puts it into the links (Nova's substring test)
		{"/v2.1/images/" + id + "?x=" + demo, "/v2.1/" + demo + "/images/" + id, "/" + demo + "/images/" + id},
		{"/v2.1//images/" + id, "/v2.1/images/" + id, "/images/" + id},
	} {
		r := gw(t, "GET", tc.path, "demo", nil)
		require.Equal(t, 200, r.Status, tc.path)
		links := r.JSON(t)["image"].(map[string]any)["links"].([]any)
		require.Equal(t, world.gw.URL+tc.self, links[0].(map[string]any)["href"], tc.path)
		require.Equal(t, world.gw.URL+tc.bookmark, links[1].(map[string]any)["href"], tc.path)
	}
	// list links carry the project too
	r := gw(t, "GET", "/v2/"+demo+"/images/detail?limit=1", "demo", nil)
	body := r.JSON(t)
	require.True(t, strings.HasPrefix(body["images_links"].([]any)[0].(map[string]any)["href"].(string),
		world.gw.URL+"/v2/"+demo+"/images/detail?limit=1&marker="))

	// a hex project id that is not the token's
	alt := world.seed.Projects["alt"]
	r = gw(t, "GET", "/v2.1/"+alt+"/images", "demo", nil)
	require.Equal(t, 400, r.Status)
	require.Equal(t, "Malformed request URL: URL's project_id '"+alt+"' doesn't match Context's project_id '"+demo+"'",
		r.JSON(t)["badRequest"].(map[string]any)["message"])
}

func TestRequestIDs(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		r := gw(t, "GET", "/v2.1/images?limit=1", "demo", nil)
		id := r.Header.Get("X-OpenStack-Request-Id")
		require.Regexp(t, `^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
		require.Equal(t, id, r.Header.Get("X-Compute-Request-Id"))
		require.False(t, seen[id], "a new id per request")
		seen[id] = true
	}
}
