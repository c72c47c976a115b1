package conformance

import (
	"strings"
)

// ---------------------------------------------------------------- writes

func metadataWriteCases(b *builder) {
	mv := std("2.38")
	w := func(route, form, method, image, key, user, variant string, m mvSpec, body *string, hdr ...Header) {
		path := metaPath(image)
		if key != "" {
			path += "/" + key
		}
		if hdr == nil && body != nil {
			hdr = jsonCT()
		}
		b.add(req{route: route, form: form, mv: m, method: method, path: path, user: user, variant: image + "/" + variant,
			body: body, headers: hdr})
	}
	index := func(image, variant string) {
		b.add(req{route: RouteMetaIndex, form: formV21, mv: mv, path: metaPath(image), user: "demo", variant: image + "-" + variant})
	}
	post := func(image, user, variant string, m mvSpec, body string, hdr ...Header) {
		w(RouteMetaCreate, formV21, "POST", image, "", user, variant, m, str(body), hdr...)
	}

	// ---- POST (merge) on ref-meta-target
	const M = "ref-meta-target"
	post(M, "demo", "merge", mv, `{"metadata": {"new_key": "new value", "meta_key1": "changed"}}`)
	index(M, "after-merge")
	post(M, "demo", "merge-empty", mv, `{"metadata": {}}`)
	post(M, "demo", "merge-odd-key", mvNone, `{"metadata": {"k.dots:colons and spaces-_": "v"}}`)
	post(M, "demo", "text-plain", mv, `{"metadata": {"plain_ct": "1"}}`, Header{contentType, "text/plain"})
	post(M, "demo", "no-content-type", mv, `{"metadata": {"no_ct": "1"}}`, Header{"X-Dummy", "1"})
	post(M, "demo", "json-charset", std("2.1"), `{"metadata": {"charset_ct": "1"}}`, Header{contentType, "application/json; charset=UTF-8"})
	post(M, "demo", "max-key-and-value", std("2.36"),
		`{"metadata": {"`+strings.Repeat("k", maxValueChars)+`": "`+strings.Repeat("v", maxValueChars)+`"}}`)
	post(M, "demo", "unicode-value", mv, `{"metadata": {"uni": "\u00fcn\u00efc\u00f8d\u00e9 \u2603", "empty": ""}}`)
	post(M, "demo", "duplicate-json-keys", mv, `{"metadata": {"dup": "1", "dup": "2"}}`)
	post(M, "demo", "base-key-name", mv, `{"metadata": {"name": "renamed", "after_name": "x"}}`)
	post(M, "demo", "base-key-status-same", mv, `{"metadata": {"status": "active"}}`)
	post(M, "demo", "base-key-status-other", mv, `{"metadata": {"status": "queued"}}`)
	post(M, "demo", "reserved-deleted", mv, `{"metadata": {"deleted": "x"}}`)
	post(M, "demo", "os_glance-key", mv, `{"metadata": {"os_glance_foo": "x"}}`)
	post(M, "demo", "os_glance-key-and-valid", mv, `{"metadata": {"os_glance_bar": "x", "not_written": "y"}}`)
	w(RouteMetaCreate, formV2Project, "POST", M, "", "demo", "legacy-extra-key-stripped", mvNone,
		str(`{"metadata": {"legacy_key": "v"}, "extra": 1}`))
	w(RouteMetaCreate, formV2Project, "POST", M, "", "demo", "legacy-ignores-2.39", leg("2.39"),
		str(`{"metadata": {"legacy_239": "v"}}`))
	w(RouteMetaCreate, formV21Project, "POST", M, "", "demo", "project-form", mv, str(`{"metadata": {"project_form": "v"}}`))
	w(RouteMetaCreate, formV2, "POST", M, "", "demo", "v2-no-project", mvNone, str(`{"metadata": {"v2_form": "v"}}`))
	post(M, "demo", "above-range-not-written", std("2.39"), `{"metadata": {"never": "v"}}`)
	post(M, "demo", "x2.38", leg("2.38"), `{"metadata": {"legacy_header": "v"}}`)
	index(M, "after-writes")
	b.add(req{route: RouteShow, form: formV21, mv: std("2.35"), path: "/images/{image:" + M + "}", user: "demo", variant: M + "-after-writes"})
	b.add(req{route: RouteDetail, form: formV21, mv: std("2.35"), path: "/images/detail?name=" + M, user: "demo", variant: "name=" + M + "-after-writes"})
	b.add(req{route: RouteMetaShow, form: formV21, mv: mv, path: metaPath(M) + "/new_key", user: "demo", variant: M + "/new_key-after-writes"})
	b.add(req{route: RouteMetaShow, form: formV21, mv: mv, path: metaPath(M) + "/name", user: "demo", variant: M + "/name-after-writes"})
	b.add(req{route: RouteMetaShow, form: formV21, mv: mv, path: metaPath(M) + "/k.dots:colons%20and%20spaces-_", user: "demo",
		variant: M + "/odd-key-after-writes"})

	// ---- PUT all (replace) on ref-meta-put-all
	const PA = "ref-meta-put-all"
	putAll := func(variant string, m mvSpec, body string, form string) {
		w(RouteMetaAll, form, "PUT", PA, "", "demo", variant, m, str(body))
	}
	putAll("replace", mv, `{"metadata": {"only": "this", "name": "echoed", "dup": "1", "dup": "2"}}`, formV21)
	index(PA, "after-replace")
	putAll("legacy-extra-key-stripped", mvNone, `{"metadata": {"a": "1"}, "extra": 1}`, formV2Project)
	index(PA, "after-legacy")
	putAll("empty", mv, `{"metadata": {}}`, formV21)
	index(PA, "after-empty")
	putAll("128-keys", std("2.1"), metaBody("p", 128), formV21)
	index(PA, "after-128")
	putAll("129-keys", mv, metaBody("p", 129), formV21)
	putAll("os_glance-key", mv, `{"metadata": {"os_glance_x": "1"}}`, formV21)
	putAll("text-plain", mv, `{"metadata": {"plain": "1"}}`, formV21)
	index(PA, "after-all")

	// ---- PUT item on ref-meta-put-item
	const PI = "ref-meta-put-item"
	putItem := func(key, variant string, m mvSpec, body, form string) {
		w(RouteMetaUpdate, form, "PUT", PI, key, "demo", variant, m, str(body))
	}
	putItem("meta_key1", "existing", mv, `{"meta": {"meta_key1": "changed"}}`, formV21)
	putItem("new_key", "new", mvNone, `{"meta": {"new_key": "v"}}`, formV21)
	putItem("key%20with%20space", "key-with-space", mv, `{"meta": {"key with space": "v"}}`, formV21)
	putItem("k.dots:colons", "dots-colons", mv, `{"meta": {"k.dots:colons": "v"}}`, formV21)
	putItem("legacy", "legacy", mvNone, `{"meta": {"legacy": "v"}, "extra": 1}`, formV2Project)
	putItem("name", "base-key-name", mv, `{"meta": {"name": "renamed"}}`, formV21)
	putItem("os_glance_x", "os_glance-key", mv, `{"meta": {"os_glance_x": "v"}}`, formV21)
	putItem("never", "above-range-not-written", std("2.39"), `{"meta": {"never": "v"}}`, formV21)
	putItem("empty_value", "empty-value", mv, `{"meta": {"empty_value": ""}}`, formV21)
	index(PI, "after-writes")
	b.add(req{route: RouteMetaShow, form: formV21, mv: mv, path: metaPath(PI) + "/key%20with%20space", user: "demo",
		variant: PI + "/key-with-space-after-writes"})

	// ---- DELETE item on ref-meta-delete-item
	const DI = "ref-meta-delete-item"
	del := func(key, variant string, m mvSpec, form string) {
		w(RouteMetaDelete, form, "DELETE", DI, key, "demo", variant, m, nil)
	}
	del("meta_key1", "existing", mv, formV21)
	del("meta_key1", "already-deleted", mv, formV21)
	del("meta_key2", "above-range-not-deleted", std("2.39"), formV21)
	index(DI, "after-first-delete")
	del("meta_key2", "legacy", mvNone, formV2Project)
	index(DI, "after-deletes")
	del("meta_key2", "legacy-already-deleted", mvNone, formV2Project)

	// ---- quota on ref-meta-126 (126 properties; the limit is 128)
	const Q = "ref-meta-126"
	post(Q, "demo", "plus-3", mv, `{"metadata": {"n1": "1", "n2": "2", "n3": "3"}}`)
	index(Q, "after-plus-3")
	post(Q, "demo", "plus-2", mv, `{"metadata": {"n1": "1", "n2": "2"}}`)
	w(RouteMetaUpdate, formV21, "PUT", Q, "n3", "demo", "new-key-at-128", mv, str(`{"meta": {"n3": "3"}}`))
	w(RouteMetaUpdate, formV21, "PUT", Q, "k000", "demo", "existing-key-at-128", mv, str(`{"meta": {"k000": "changed"}}`))
	post(Q, "demo", "existing-key-at-128", mv, `{"metadata": {"k001": "changed"}}`)
	post(Q, "demo", "empty-at-128", mv, `{"metadata": {}}`)
	post(Q, "demo", "one-new-at-128", mv, `{"metadata": {"n4": "4"}}`)
	w(RouteMetaDelete, formV21, "DELETE", Q, "k002", "demo", "at-128", mv, nil)
	post(Q, "demo", "plus-1-at-127", mv, `{"metadata": {"n4": "4"}}`)
	w(RouteMetaAll, formV21, "PUT", Q, "", "demo", "129-keys", mv, str(metaBody("r", 129)))
	index(Q, "after-quota")
	// values differ from the current ones: removes and adds only
	w(RouteMetaAll, formV21, "PUT", Q, "", "demo", "128-keys", mv, str(metaBodyValues("r", "x", 128)))
	w(RouteMetaUpdate, formV21, "PUT", Q, "r000", "demo", "existing-after-replace", mv, str(`{"meta": {"r000": "y"}}`))
	w(RouteMetaUpdate, formV21, "PUT", Q, "r128", "demo", "new-after-replace", mv, str(`{"meta": {"r128": "y"}}`))
	index(Q, "after-replace")
	// new keys with the current values: Nova's JSON patch turns remove+add
	// into "move", which Glance refuses (last write on this image)
	w(RouteMetaAll, formV21, "PUT", Q, "", "demo", "128-keys-same-values", mv, str(metaBodyValues("s", "x", 128)))

	// ---- ownership and visibility
	own := []struct {
		route, method, image, key, user, variant, body string
	}{
		{RouteMetaCreate, "POST", "ref-shared-to-alt-accepted", "", "alt", "shared-not-owned", `{"metadata": {"x": "1"}}`},
		{RouteMetaAll, "PUT", "ref-shared-to-alt-accepted", "", "alt", "shared-not-owned", `{"metadata": {"x": "1"}}`},
		{RouteMetaUpdate, "PUT", "ref-shared-to-alt-accepted", "x", "alt", "shared-not-owned", `{"meta": {"x": "1"}}`},
		{RouteMetaDelete, "DELETE", "ref-admin-public", "os_distro", "alt", "public-not-owned", ""},
		{RouteMetaCreate, "POST", "ref-admin-public", "", "demo", "public-not-owned", `{"metadata": {"x": "1"}}`},
		{RouteMetaUpdate, "PUT", "ref-admin-public", "os_distro", "demo", "public-not-owned", `{"meta": {"os_distro": "x"}}`},
		{RouteMetaDelete, "DELETE", "ref-admin-public", "os_distro", "demo", "public-not-owned", ""},
		{RouteMetaDelete, "DELETE", "ref-admin-public", "no_such", "demo", "public-not-owned-missing-key", ""},
		{RouteMetaAll, "PUT", "ref-alt-shared-to-demo-accepted", "", "demo", "shared-not-owned", `{"metadata": {}}`},
		{RouteMetaCreate, "POST", "ref-alt-shared-to-demo-pending", "", "demo", "pending-share", `{"metadata": {"x": "1"}}`},
		{RouteMetaCreate, "POST", "ref-alt-community", "", "demo", "community-not-owned", `{"metadata": {"x": "1"}}`},
		{RouteMetaCreate, "POST", "ref-other-public", "", "demo", "public-not-owned", `{"metadata": {"x": "1"}}`},
		{RouteMetaCreate, "POST", "ref-alt-private", "", "demo", "invisible", `{"metadata": {"x": "1"}}`},
		{RouteMetaUpdate, "PUT", "ref-alt-private", "x", "demo", "invisible", `{"meta": {"x": "1"}}`},
		{RouteMetaAll, "PUT", "ref-admin-private", "", "demo", "invisible", `{"metadata": {"x": "1"}}`},
		{RouteMetaCreate, "POST", "ref-meta-target", "", "other", "invisible", `{"metadata": {"x": "1"}}`},
		{RouteMetaCreate, "POST", "ref-meta-quota", "", "admin", "admin-writes-demo-image", `{"metadata": {"by_admin": "1"}}`},
		{RouteMetaDelete, "DELETE", "ref-meta-quota", "meta_key1", "admin", "admin-writes-demo-image", ""},
		{RouteMetaCreate, "POST", "ref-meta-quota", "", "reader", "reader", `{"metadata": {"by_reader": "1"}}`},
		{RouteMetaDelete, "DELETE", "ref-meta-quota", "meta_key2", "reader", "reader", ""},
		{RouteMetaCreate, "POST", "ref-protected", "", "demo", "protected-writable", `{"metadata": {"x": "1"}}`},
		{RouteMetaDelete, "DELETE", "ref-protected", "purpose", "demo", "protected-writable", ""},
		{RouteMetaCreate, "POST", "ref-deactivated", "", "demo", "deactivated", `{"metadata": {"x": "1"}}`},
		{RouteMetaUpdate, "PUT", "ref-queued", "x", "demo", "queued", `{"meta": {"x": "1"}}`},
	}
	for _, o := range own {
		var body *string
		if o.body != "" {
			body = str(o.body)
		}
		w(o.route, formV21, o.method, o.image, o.key, o.user, o.variant, mv, body)
	}
	for _, im := range []string{"ref-meta-quota", "ref-protected", "ref-admin-public", "ref-shared-to-alt-accepted"} {
		index(im, "after-ownership")
	}
	b.add(req{route: RouteMetaCreate, form: formV21, mv: mv, method: "POST", path: "/images/" + zeroUUID + "/metadata",
		user: "demo", variant: "zero-uuid", headers: jsonCT(), body: str(`{"metadata": {"x": "1"}}`)})
	b.add(req{route: RouteMetaAll, form: formV21, mv: mv, method: "PUT", path: "/images/" + zeroUUID + "/metadata",
		user: "demo", variant: "zero-uuid", headers: jsonCT(), body: str(`{"metadata": {"x": "1"}}`)})
}

// ---------------------------------------------------------------- delete

func deleteCases(b *builder) {
	d := func(form, path, user, variant string, m mvSpec, hdr ...Header) {
		b.add(req{route: RouteDelete, form: form, mv: m, method: "DELETE", path: path, user: user, variant: variant, headers: hdr})
	}
	show := func(image, variant string) {
		b.add(req{route: RouteShow, form: formV21, mv: std("2.35"), path: "/images/{image:" + image + "}", user: "demo", variant: image + "-" + variant})
	}
	img := func(name string) string { return "/images/{image:" + name + "}" }

	// refused deletes first: nothing changes
	d(formV21, img("ref-del-never"), "alt", "ref-del-never-invisible", std("2.35"))
	d(formV21, img("ref-del-never"), "other", "ref-del-never-invisible", std("2.35"))
	d(formV21, img("ref-del-never"), "demo", "ref-del-never-above-range", std("2.36"))
	d(formV21, img("ref-del-never"), "demo", "ref-del-never-latest", std("latest"))
	d(formV21, img("ref-del-never"), "demo", "ref-del-never-malformed", std("2.abc"))
	d(formV21, img("ref-del-never"), "demo", "ref-del-never-out-of-range", leg("3.0"))
	d(formAbs, "/v2.1/{project:alt}"+img("ref-del-never"), "demo", "ref-del-never-project=alt", std("2.35"))
	d(formV21, img("ref-del-never"), UserNone, "ref-del-never", std("2.35"))
	d(formV21, img("ref-del-never"), UserBad, "ref-del-never", std("2.35"))
	d(formV21, img("ref-protected"), "demo", "protected", std("2.35"))
	d(formV21, img("ref-protected"), "admin", "protected", std("2.35"))
	d(formV21, img("ref-admin-public"), "demo", "public-not-owned", std("2.35"))
	d(formV21, img("ref-admin-public-protected"), "demo", "public-protected-not-owned", std("2.35"))
	d(formV21, img("ref-alt-shared-to-demo-accepted"), "demo", "shared-not-owned", std("2.35"))
	d(formV21, img("ref-alt-shared-to-demo-pending"), "demo", "pending-share", std("2.35"))
	d(formV21, img("ref-alt-community"), "demo", "community-not-owned", std("2.35"))
	d(formV21, img("ref-other-public"), "demo", "public-not-owned-other", std("2.35"))
	d(formV21, img("ref-shared-to-alt-accepted"), "alt", "shared-to-alt-not-owned", std("2.35"))
	d(formV21, img("ref-alt-private"), "demo", "invisible", std("2.35"))
	d(formV21, img("ref-admin-private"), "demo", "invisible-admin", std("2.35"))
	for _, id := range []struct{ path, v string }{
		{"/images/detail", "detail"}, {"/images/not-a-uuid", "not-a-uuid"}, {"/images/{image-upper:ref-del-never}", "upper-case"},
		{"/images/{image-nodash:ref-del-never}", "no-dashes"}, {"/images/-1", "minus-one"},
		{"/images/" + strings.Repeat("a", 300), "over-long"}, {"/images/%20", "space"},
	} {
		d(formV21, id.path, "demo", id.v, std("2.35"))
	}
	show("ref-del-never", "after-refused-deletes")

	// the deletes
	for _, x := range []struct {
		form, image, user string
		m                 mvSpec
	}{
		{formV21, "ref-del-none", "demo", mvNone},
		{formV21, "ref-del-v2.1", "demo", std("2.1")},
		{formV21, "ref-del-v2.35", "demo", leg("2.35")},
		{formV21, "ref-del-compute-2.35", "demo", std("2.35")},
		{formV21Project, "ref-del-project-path", "demo", std("2.35")},
		{formV2Project, "ref-del-legacy-v2", "demo", leg("2.39")},
		{formV21, "ref-del-admin", "admin", std("2.35")},
		{formV21, "ref-del-deactivated", "demo", std("2.35")},
		{formV21, "ref-del-queued", "demo", std("2.35")},
		{formV2, "ref-del-uwsgi", "demo", mvNone},
	} {
		d(x.form, img(x.image), x.user, x.image, x.m)
	}
	show("ref-del-none", "after-delete")
	d(formV21, img("ref-del-none"), "demo", "ref-del-none-again", std("2.35"))
	d(formV21, img("ref-del-admin"), "admin", "ref-del-admin-again", std("2.35"))
	d(formV21, img("ref-del-legacy-v2"), "demo", "ref-del-legacy-v2-again-above-range", std("2.36"))
	b.add(req{route: RouteMetaIndex, form: formV21, mv: std("2.38"), path: metaPath("ref-del-v2.1"), user: "demo", variant: "deleted-image"})
	b.add(req{route: RouteMetaCreate, form: formV21, mv: std("2.38"), method: "POST", path: metaPath("ref-del-v2.1"), user: "demo",
		variant: "deleted-image", headers: jsonCT(), body: str(`{"metadata": {"x": "1"}}`)})
	b.add(req{route: RouteDetail, form: formV21, mv: std("2.35"), path: "/images/detail?name=ref-del-queued", user: "demo", variant: "name=ref-del-queued-after-delete"})
	b.add(req{route: RouteList, form: formV21, mv: std("2.35"), path: "/images", user: "demo", variant: "all-after-deletes"})
	b.add(req{route: RouteList, form: formV21, mv: std("2.35"), path: "/images", user: "admin", variant: "all-after-deletes"})

	// last: a reader-role delete (whatever the policy says, it is the end)
	d(formV21, img("ref-del-never"), "reader", "ref-del-never-reader", std("2.35"))
	show("ref-del-never", "after-reader-delete")
}
