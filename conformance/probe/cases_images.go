package probe

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/microversion"
)

// showOK answers a show of im through mount m.
func showOK(im Image, m Mount) func() (int, any) {
	return func() (int, any) { return http.StatusOK, map[string]any{"image": Detail(im, m)} }
}

// listOK answers a list of exactly ims (already in Glance's order).
func listOK(ims []Image, detail bool, query [][2]string, limit int) func() (int, any) {
	return func() (int, any) { return http.StatusOK, List(ims, V21, detail, query, limit) }
}

func metaIndexOK(props map[string]string) func() (int, any) {
	return func() (int, any) { return http.StatusOK, map[string]any{"metadata": props} }
}

// query renders name/value pairs as sent, in order.
func query(q [][2]string) string {
	parts := make([]string, len(q))
	for i, kv := range q {
		parts[i] = url.QueryEscape(kv[0]) + "=" + url.QueryEscape(kv[1])
	}
	return strings.Join(parts, "&")
}

// microversionCases sweeps the target's edges for one route of each kind.
func microversionCases(b *builder) {
	active, meta := b.fx.Images[RoleActive], b.fx.Images[RoleMeta]
	byName := [][2]string{{"name", active.Name}}
	for _, e := range Edges(b.r) {
		for _, q := range []req{
			{route: conformance.RouteShow, path: "/v2.1/images/" + active.ID, removed: imagesRemoved, ok: showOK(active, V21)},
			{route: conformance.RouteList, path: "/v2.1/images?" + query(byName), removed: imagesRemoved,
				ok: listOK([]Image{active}, false, byName, 0)},
			{route: conformance.RouteMetaIndex, path: "/v2.1/images/" + meta.ID + "/metadata", removed: metadataRemoved,
				ok: metaIndexOK(meta.Properties)},
		} {
			q.class, q.mount, q.mv, q.user, q.variant, q.headers = ClassMicroversion, mountV21, e.label, Primary, "sweep", e.headers
			if v, err := microversion.Negotiate(headerOf(e.headers), b.r); err == nil && !v.Less(q.removed) {
				q.class = ClassCutoff
			}
			b.add(q)
		}
	}
}

// imageCases shows each fixture to its owner, and one through each mount.
func imageCases(b *builder) {
	mv, hdr := at("2.35")
	for _, role := range []string{RoleActive, RoleQueued, RoleServer, RoleShared, RoleMeta, RoleCommunity, RolePublic} {
		im, ok := b.fx.Images[role]
		if !ok {
			continue // an optional fixture the user may not create
		}
		b.add(req{class: ClassImage, route: conformance.RouteShow, mount: mountV21, mv: mv, user: Primary, variant: role,
			headers: hdr, path: "/v2.1/images/" + im.ID, removed: imagesRemoved, ok: showOK(im, V21)})
	}
	active := b.fx.Images[RoleActive]
	for _, m := range []string{mountV21Project, mountV2Project} {
		q := req{class: ClassImage, route: conformance.RouteShow, mount: m, mv: mv, user: Primary, variant: RoleActive,
			headers: hdr, path: mounts[m].Prefix() + "/images/" + active.ID, removed: imagesRemoved, ok: showOK(active, mounts[m])}
		if m == mountV2Project {
			q.mv, q.headers = "none", nil
		}
		b.add(q)
	}
}

// listCases filters the probe's own images (name=in: keeps every answer
// to them, whatever else the cloud holds).
func listCases(b *builder) {
	mv, hdr := at("2.35")
	fx := b.fx.Images
	active, queued := fx[RoleActive], fx[RoleQueued]
	both := GlanceOrder([]Image{active, queued})
	in := [2]string{"name", "in:" + active.Name + "," + queued.Name}
	hwKey, osKey := "property-hw_probe_key", "property-os_probe"
	for _, c := range []struct {
		variant string
		extra   [][2]string
		want    []Image
		deviant []Image // imagegw's answer (deviation property-filter-prefix)
	}{
		{"names", nil, both, nil},
		{"minDisk", [][2]string{{"minDisk", itoa(active.MinDisk)}}, []Image{active}, nil},
		{"minRam", [][2]string{{"minRam", itoa(active.MinRAM)}}, []Image{active}, nil},
		{"status=queued", [][2]string{{"status", "queued"}}, []Image{queued}, nil},
		{"type=snapshot", [][2]string{{"type", "snapshot"}}, nil, nil},
		{hwKey, [][2]string{{hwKey, active.Properties["hw_probe_key"]}}, withProperty(both, hwKey, active.Properties["hw_probe_key"]), nil},
		{osKey, [][2]string{{osKey, active.Properties["os_probe"]}}, withProperty(both, osKey, active.Properties["os_probe"]), []Image{active}},
	} {
		q := append([][2]string{in}, c.extra...)
		for _, detail := range []bool{false, true} {
			route, path := conformance.RouteList, "/v2.1/images?"
			if detail {
				route, path = conformance.RouteDetail, "/v2.1/images/detail?"
			}
			r := req{class: ClassList, route: route, mount: mountV21, mv: mv, user: Primary, variant: c.variant,
				headers: hdr, path: path + query(q), removed: imagesRemoved, ok: listOK(c.want, detail, q, 0)}
			if c.deviant != nil {
				r.deviant = listOK(c.deviant, detail, q, 0)
			}
			b.add(r)
		}
	}
}

// withProperty is what Nova's property filter finds among ims.
func withProperty(ims []Image, param, value string) []Image {
	key := PropertyFilter(param)
	var out []Image
	for _, im := range ims {
		if v, ok := im.Properties[key]; ok && v == value {
			out = append(out, im)
		}
	}
	return out
}

// paginationCases walk the two-image list page by page.
func paginationCases(b *builder) {
	mv, hdr := at("2.35")
	fx := b.fx.Images
	both := GlanceOrder([]Image{fx[RoleActive], fx[RoleQueued]})
	in := [2]string{"name", "in:" + fx[RoleActive].Name + "," + fx[RoleQueued].Name}
	pages := []struct {
		variant string
		q       [][2]string
		want    []Image
		limit   int
	}{
		{"limit=1", [][2]string{in, {"limit", "1"}}, both[:1], 1},
		{"limit=1&marker=first", [][2]string{in, {"limit", "1"}, {"marker", both[0].ID}}, both[1:], 1},
		{"limit=1&marker=last", [][2]string{in, {"limit", "1"}, {"marker", both[1].ID}}, nil, 1},
		{"limit=2", [][2]string{{"limit", "2"}, in}, both, 2},
		{"limit=3", [][2]string{in, {"limit", "3"}}, both, 3},
	}
	for _, p := range pages {
		for _, detail := range []bool{false, true} {
			route, path := conformance.RouteList, "/v2.1/images?"
			if detail {
				route, path = conformance.RouteDetail, "/v2.1/images/detail?"
			}
			b.add(req{class: ClassPagination, route: route, mount: mountV21, mv: mv, user: Primary, variant: p.variant,
				headers: hdr, path: path + query(p.q), removed: imagesRemoved, ok: listOK(p.want, detail, p.q, p.limit)})
		}
	}
}
