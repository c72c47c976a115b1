package conformance

import (
	"net/url"
	"strings"
)

// ---------------------------------------------------------------- list

func listCases(b *builder) {
	mv := std("2.35")
	list := func(route, query, variant string) {
		path := "/images"
		if route == RouteDetail {
			path = "/images/detail"
		}
		if query != "" {
			path += "?" + query
		}
		if variant == "" {
			variant = query
		}
		b.add(req{route: route, form: formV21, mv: mv, path: path, user: "demo", variant: variant})
	}
	// whole lists, per user
	list(RouteList, "", "all")
	list(RouteDetail, "", "all")
	for _, u := range []string{"alt", "admin", "other", "reader"} {
		b.add(req{route: RouteList, form: formV21, mv: mv, path: "/images", user: u, variant: "all"})
	}
	b.add(req{route: RouteDetail, form: formV21, mv: mv, path: "/images/detail", user: "admin", variant: "all"})
	b.add(req{route: RouteDetail, form: formV21, mv: mv, path: "/images/detail?limit=5", user: "alt", variant: "limit=5"})
	b.add(req{route: RouteDetail, form: formV2Project, mv: mvNone, path: "/images/detail?limit=3", user: "demo", variant: "limit=3"})
	b.add(req{route: RouteList, form: formV21Project, mv: mv, path: "/images?limit=3&marker={image:ref-page-10}", user: "alt",
		variant: "limit=3&marker=page-10"})

	// limit, page_size, offset
	for _, q := range []string{"limit=0", "limit=1", "limit=-1", "limit=abc", "limit=1.5", "limit=", "limit=%2B1",
		"limit=%201", "limit=1%20", "limit=1_0", "limit=_1", "limit=1__0", "limit=%D9%A3", "limit=99999999999999999999",
		"limit=1001", "limit=1000", "limit=2&limit=4", "limit=4&limit=2", "limit=63", "limit=62", "limit=64", "limit=-0",
		"page_size=3", "page_size=-1", "page_size=abc", "page_size=0", "page_size=1.5", "page_size=2&limit=5",
		"offset=5", "offset=-1", "offset=abc", "offset=5&limit=2", "limit=abc&page_size=-1", "page_size=-1&limit=abc"} {
		list(RouteList, q, "")
	}
	for _, q := range []string{"limit=0", "limit=1", "limit=-1", "limit=abc", "page_size=abc", "offset=-1", "limit=2&limit=4"} {
		list(RouteDetail, q, "")
	}
	// markers
	for _, m := range []struct{ q, v string }{
		{"marker={image:ref-page-10}", "marker=page-10"},
		{"marker={image:ref-page-10}&limit=2", "marker=page-10&limit=2"},
		{"limit=2&marker={image:ref-active}", "limit=2&marker=active"},
		{"marker=" + zeroUUID, "marker=zero-uuid"},
		{"marker=not-a-uuid", "marker=not-a-uuid"},
		{"marker={image:ref-alt-private}", "marker=alt-private"},
		{"marker={image:ref-hidden}&limit=2", "marker=hidden&limit=2"},
		{"marker={image:ref-alt-shared-to-demo-pending}&limit=2", "marker=pending-share&limit=2"},
		{"marker=", "marker=empty"},
		{"marker=&limit=2", "marker=empty&limit=2"},
		{"marker={image-upper:ref-active}", "marker=upper-case"},
		{"limit=1&marker={image:ref-page-00}&marker={image:ref-page-05}", "marker-twice"},
	} {
		list(RouteList, m.q, m.v)
	}
	list(RouteDetail, "marker={image:ref-page-10}&limit=2", "marker=page-10&limit=2")
	list(RouteDetail, "marker={image:ref-alt-private}", "marker=alt-private")
	list(RouteDetail, "marker="+zeroUUID, "marker=zero-uuid")

	// filters
	iu := "{instance_uuid}"
	serverURL := url.QueryEscape("http://nova.example/v2.1/servers/") + iu
	filters := []struct{ q, v string }{
		{"name=ref-active", ""}, {"name=ref-dup-name", ""}, {"name=in:ref-active,ref-tagged", ""},
		{"name=a:b", ""}, {"name=", ""}, {"name=no-such-image", ""}, {"name=ref%20active", ""},
		{"status=ACTIVE", ""}, {"status=active", ""}, {"status=AcTiVe", ""}, {"status=SAVING", ""},
		{"status=queued", ""}, {"status=QUEUED", ""}, {"status=bogus", ""}, {"status=DELETED", ""},
		{"status=deactivated", ""}, {"status=uploading", ""}, {"status=", ""},
		{"minRam=512", ""}, {"minRam=abc", ""}, {"minRam=-1", ""}, {"minRam=0&limit=3", ""},
		{"minDisk=80", ""}, {"minDisk=10", ""}, {"minDisk=abc", ""},
		{"server=" + iu, "server=instance-uuid"}, {"server=" + serverURL, "server=instance-url"},
		{"server=" + zeroUUID, "server=zero-uuid"}, {"server=", ""},
		{"type=snapshot", ""}, {"type=bogus", ""},
		{"changes-since=2000-01-01T00:00:00Z", ""}, {"changes-since=2999-01-01T00:00:00Z", ""},
		{"changes-since=2000-01-01T00%3A00%3A00%2B00%3A00&limit=1", ""}, {"changes-since=2000-01-01", ""},
		{"changes-since=bad", ""}, {"changes-since=", ""}, {"changes-since=2000-13-45T00:00:00Z", ""},
		{"property-os_distro=ubuntu", ""}, {"property-os_distro=cirros", ""},
		{"property-hw_disk_bus=virtio", ""}, {"property-hw_disk_bus=scsi", ""},
		{"property-custom_key=custom%20value", ""}, {"property-empty_prop=", ""},
		{"property-architecture=x86_64", ""}, {"property-image_type=snapshot", ""},
		{"property-auto_disk_config=True", ""}, {"property-owner_user_name=demo", ""},
		{"property-numeric_string=42", ""}, {"property-os_version=22.04", ""},
		{"property-s_distro=ubuntu", ""}, {"property-no_such=x", ""},
		{"property-key.with.dots=dots", ""}, {"property-purpose=protected", ""},
		{"visibility=private", ""}, {"is_public=true", ""}, {"foo=bar&limit=2", ""}, {"sort_key=name&limit=2", ""},
		{"sort_dir=asc&limit=2", ""}, {"min_ram=512&limit=2", ""}, {"owner={project:alt}&limit=2", "owner=alt-project"},
		{"os_hidden=true&limit=2", ""}, {"tag=tag1&limit=2", ""},
		{"status=ACTIVE&type=snapshot&minRam=0", ""}, {"type=bogus&property-image_type=snapshot", ""},
		{"property-image_type=snapshot&type=bogus", ""}, {"name=ref-active&name=ref-tagged", ""},
		// next links: params sorted by name, marker last, encoded
		{"limit=1&status=active&minRam=0", ""}, {"zzz=a+b&status=active&aaa=%2F%3A&limit=1", ""},
		{"limit=1&marker=&foo=bar", ""}, {"limit=1_0&name=ref-dup-name", ""}, {"limit=2&limit=1&name=ref-active", ""},
		{"limit=1&b=2&b=1&a=3", ""}, {"limit=2&property-os_distro=ubuntu", ""}, {"limit=1&unicode=%C3%BC", ""},
	}
	for _, f := range filters {
		list(RouteList, f.q, f.v)
	}
	for _, f := range []struct{ q, v string }{
		{"name=ref-active", ""}, {"status=queued", ""}, {"server=" + iu, "server=instance-uuid"},
		{"type=snapshot", ""}, {"changes-since=bad", ""}, {"property-os_distro=ubuntu", ""},
		{"property-hw_disk_bus=scsi", ""}, {"name=ref-custom-props", ""}, {"name=ref-meta-126", ""},
		{"name=a:b", ""}, {"limit=1&status=active&minRam=0", ""},
	} {
		list(RouteDetail, f.q, f.v)
	}
	// the project id anywhere in the URL puts it into the links
	list(RouteList, "limit=1&x={project:demo}", "limit=1&x=project")
	list(RouteDetail, "limit=1&x={project:demo}", "limit=1&x=project")
	// doubled slashes are collapsed
	b.add(req{route: RouteList, form: formAbs, mv: mv, path: "/v2.1//images?limit=1", user: "demo", variant: "double-slash"})
	b.add(req{route: RouteDetail, form: formAbs, mv: mv, path: "//v2.1/images/detail?limit=1", user: "demo", variant: "leading-double-slash"})
	// upper-case Accept variant: the vendor media type is echoed
	b.add(req{route: RouteList, form: formV21, mv: mv, path: "/images?limit=1", user: "demo", variant: "accept-compute-json",
		headers: []Header{{"Accept", "application/vnd.openstack.compute+json"}}})
	b.add(req{route: RouteList, form: formV21, mv: mv, path: "/images?limit=1", user: "demo", variant: "accept-html",
		headers: []Header{{"Accept", "text/html"}}})
	b.add(req{route: RouteList, form: formV21, mv: mv, path: "/images?limit=1", user: "demo", variant: "accept-xml",
		headers: []Header{{"Accept", "application/xml"}}})
	// project id mismatch
	for _, p := range []string{"{project:alt}", "{project:admin}", "12345", "abcdef", "0123456789abcdef0123456789abcdef"} {
		v := "project=" + strings.Trim(strings.TrimPrefix(p, "{project:"), "}")
		b.add(req{route: RouteList, form: formAbs, mv: mv, path: "/v2.1/" + p + "/images", user: "demo", variant: v})
	}
	b.add(req{route: RouteList, form: formAbs, mv: std("2.36"), path: "/v2.1/{project:alt}/images", user: "demo", variant: "project=alt"})
	b.add(req{route: RouteList, form: formAbs, mv: std("2.abc"), path: "/v2.1/{project:alt}/images", user: "demo", variant: "project=alt"})
	b.add(req{route: RouteList, form: formAbs, mv: mvNone, path: "/v2/{project:alt}/images", user: "demo", variant: "v2-project=alt"})
	b.add(req{route: RouteDetail, form: formAbs, mv: mv, path: "/v2.1/{project:alt}/images/detail", user: "demo", variant: "project=alt"})
	b.add(req{route: RouteList, form: formAbs, mv: mv, path: "/v2.1/{project:demo}/images", user: "alt", variant: "project=demo"})
}

// ---------------------------------------------------------------- show

func showCases(b *builder) {
	mv := std("2.35")
	demoImages := []string{"ref-active", "ref-queued", "ref-queued-with-formats", "ref-snapshot",
		"ref-autodisk-true", "ref-autodisk-false", "ref-autodisk-invalid", "ref-custom-props",
		"ref-minram-mindisk", "ref-minram-big", "ref-protected", "ref-hidden", "ref-tagged", "ref-noname",
		"ref-dup-name-a", "ref-deactivated", "ref-uploading", "ref-shared-to-alt-accepted",
		"ref-shared-to-alt-pending", "ref-private-explicit", "ref-community-demo", "ref-meta-126",
		"ref-meta-target", "ref-del-never", "ref-page-00",
		"ref-alt-shared-to-demo-accepted", "ref-alt-shared-to-demo-pending", "ref-alt-community",
		"ref-admin-public", "ref-admin-public-protected", "ref-admin-public-snapshot", "ref-other-public",
		// not visible to demo: 404
		"ref-alt-private", "ref-admin-private", "ref-other-private"}
	for _, name := range demoImages {
		b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/{image:" + name + "}", user: "demo", variant: name})
	}
	for _, u := range []struct{ user, image string }{
		{"alt", "ref-shared-to-alt-accepted"}, {"alt", "ref-shared-to-alt-pending"}, {"alt", "ref-active"},
		{"alt", "ref-alt-private"}, {"alt", "ref-community-demo"}, {"admin", "ref-alt-private"},
		{"admin", "ref-hidden"}, {"admin", "ref-other-private"}, {"other", "ref-other-private"},
		{"other", "ref-admin-public"}, {"reader", "ref-active"}, {"reader", "ref-private-explicit"},
	} {
		b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/{image:" + u.image + "}", user: u.user, variant: u.image})
	}
	for _, id := range []struct{ path, v string }{
		{zeroUUID, "zero-uuid"}, {"not-a-uuid", "not-a-uuid"}, {"{image-upper:ref-active}", "upper-case"},
		{"{image-nodash:ref-active}", "no-dashes"}, {"detail.json", "detail.json"}, {"-1", "minus-one"},
		{strings.Repeat("a", 300), "over-long"}, {"%20", "space"}, {"{image:ref-active}%20", "trailing-space"},
		{"{image:ref-active}.json", "dot-json"},
	} {
		b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/" + id.path, user: "demo", variant: id.v})
	}
	b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/" + zeroUUID, user: "demo", variant: "zero-uuid-2.35"})
	b.add(req{route: RouteShow, form: formV21, mv: std("2.36"), path: "/images/" + zeroUUID, user: "demo", variant: "zero-uuid"})
	b.add(req{route: RouteShow, form: formV21, mv: std("2.1"), path: "/images/{image:ref-snapshot}", user: "demo", variant: "ref-snapshot"})
	b.add(req{route: RouteShow, form: formV2Project, mv: mvNone, path: "/images/{image:ref-snapshot}", user: "demo", variant: "ref-snapshot"})
	b.add(req{route: RouteShow, form: formV2, mv: mvNone, path: "/images/{image:ref-custom-props}", user: "demo", variant: "ref-custom-props"})
	b.add(req{route: RouteShow, form: formV21Project, mv: mv, path: "/images/{image:ref-alt-private}", user: "demo", variant: "ref-alt-private"})
	b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/{image:ref-active}?x={project:demo}", user: "demo", variant: "ref-active?x=project"})
	b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/{image:ref-active}?x={project:alt}", user: "demo", variant: "ref-active?x=other-project"})
	b.add(req{route: RouteShow, form: formAbs, mv: mv, path: "/v2.1//images/{image:ref-active}", user: "demo", variant: "double-slash"})
	b.add(req{route: RouteShow, form: formAbs, mv: mv, path: "/v2.1/{project:alt}/images/{image:ref-active}", user: "demo", variant: "project=alt"})
	b.add(req{route: RouteShow, form: formAbs, mv: std("2.36"), path: "/v2.1/{project:alt}/images/{image:ref-active}", user: "demo", variant: "project=alt"})
	b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/{image:ref-active}", user: "demo", variant: "accept-compute-json",
		headers: []Header{{"Accept", "application/vnd.openstack.compute+json"}}})
	b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/{image:ref-active}", user: "demo", variant: "accept-compute-json-v2.1",
		headers: []Header{{"Accept", "application/vnd.openstack.compute+json;version=2.1"}}})
	b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/" + zeroUUID, user: "demo", variant: "zero-uuid-accept-compute-json",
		headers: []Header{{"Accept", "application/vnd.openstack.compute+json"}}})
	b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/{image:ref-active}", user: "demo", variant: "accept-html",
		headers: []Header{{"Accept", "text/html"}}})
	b.add(req{route: RouteShow, form: formV21, mv: mv, path: "/images/{image:ref-active}", user: "demo", variant: "request-id-sent",
		headers: []Header{{"X-OpenStack-Request-Id", "req-11111111-2222-4333-8444-555555555555"}}})
}
