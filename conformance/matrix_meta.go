package conformance

import (
	"encoding/json"
	"fmt"
	"strings"
)

// metaBody builds {"metadata": {k000: v000, ...}} with n generated keys
// named prefix+%03d.
func metaBody(prefix string, n int) string { return metaBodyValues(prefix, "v", n) }

// metaBodyValues is metaBody with values named valuePrefix+%03d.
func metaBodyValues(prefix, valuePrefix string, n int) string {
	m := make(map[string]string, n)
	for i := 0; i < n; i++ {
		m[fmt.Sprintf("%s%03d", prefix, i)] = fmt.Sprintf("%s%03d", valuePrefix, i)
	}
	b, _ := json.Marshal(map[string]any{"metadata": m})
	return string(b)
}

func metaPath(image string) string { return "/images/{image:" + image + "}/metadata" }

// ---------------------------------------------------------------- reads

func metadataReadCases(b *builder) {
	mv := std("2.38")
	index := func(user, image, variant string) {
		if variant == "" {
			variant = image
		}
		b.add(req{route: RouteMetaIndex, form: formV21, mv: mv, path: metaPath(image), user: user, variant: variant})
	}
	show := func(user, image, key, variant string) {
		b.add(req{route: RouteMetaShow, form: formV21, mv: mv, path: metaPath(image) + "/" + key, user: user,
			variant: image + "/" + variant})
	}
	for _, im := range []string{"ref-custom-props", "ref-snapshot", "ref-meta-126", "ref-active", "ref-queued",
		"ref-noname", "ref-hidden", "ref-deactivated", "ref-uploading", "ref-protected", "ref-tagged",
		"ref-autodisk-invalid", "ref-admin-public", "ref-admin-public-snapshot",
		"ref-alt-shared-to-demo-accepted", "ref-alt-shared-to-demo-pending", "ref-alt-community",
		"ref-other-public", "ref-alt-private", "ref-admin-private", "ref-other-private"} {
		index("demo", im, "")
	}
	for _, id := range []struct{ path, v string }{
		{zeroUUID, "zero-uuid"}, {"not-a-uuid", "not-a-uuid"}, {"{image-upper:ref-meta-target}", "upper-case"},
	} {
		b.add(req{route: RouteMetaIndex, form: formV21, mv: mv, path: "/images/" + id.path + "/metadata", user: "demo", variant: id.v})
	}
	for _, m := range []mvSpec{mvNone, std("2.1"), std("2.39"), std("latest")} {
		b.add(req{route: RouteMetaIndex, form: formV21, mv: m, path: "/images/" + zeroUUID + "/metadata", user: "demo", variant: "zero-uuid"})
		b.add(req{route: RouteMetaShow, form: formV21, mv: m, path: "/images/" + zeroUUID + "/metadata/k", user: "demo", variant: "zero-uuid"})
	}
	for _, u := range []struct{ user, image string }{
		{"alt", "ref-shared-to-alt-accepted"}, {"alt", "ref-shared-to-alt-pending"}, {"alt", "ref-meta-target"},
		{"admin", "ref-alt-private"}, {"admin", "ref-meta-target"}, {"reader", "ref-meta-target"},
		{"other", "ref-admin-public"}, {"other", "ref-meta-target"},
	} {
		index(u.user, u.image, "")
	}
	b.add(req{route: RouteMetaIndex, form: formV2, mv: mvNone, path: metaPath("ref-snapshot"), user: "demo", variant: "ref-snapshot"})
	b.add(req{route: RouteMetaIndex, form: formV21Project, mv: mv, path: metaPath("ref-snapshot"), user: "demo", variant: "ref-snapshot"})
	b.add(req{route: RouteMetaIndex, form: formAbs, mv: mv, path: "/v2.1/{project:alt}/images/{image:ref-meta-target}/metadata",
		user: "demo", variant: "project=alt"})
	b.add(req{route: RouteMetaIndex, form: formAbs, mv: std("2.39"), path: "/v2.1/{project:alt}/images/{image:ref-meta-target}/metadata",
		user: "demo", variant: "project=alt"})

	for _, k := range []struct{ key, v string }{
		{"os_distro", "os_distro"}, {"key%20with%20spaces", "key-with-spaces"}, {"key.with.dots", "key.with.dots"},
		{"key:with:colons", "key:with:colons"}, {"unicode_prop", "unicode_prop"}, {"empty_prop", "empty_prop"},
		{"numeric_string", "numeric_string"}, {"custom_key", "custom_key"}, {"OS_DISTRO", "OS_DISTRO"},
		{"no_such", "no_such"}, {"stores", "stores"}, {"os_hash_algo", "os_hash_algo"}, {"name", "name"},
		{"protected", "protected"}, {"%C3%BC", "unicode-key"}, {"key+with+spaces", "plus-for-space"},
	} {
		show("demo", "ref-custom-props", k.key, k.v)
	}
	for _, k := range []string{"instance_uuid", "image_type", "base_image_ref", "boot_roles"} {
		show("demo", "ref-snapshot", k, k)
	}
	show("demo", "ref-meta-target", "meta_key2", "meta_key2")
	show("demo", "ref-meta-target", "meta_key3", "meta_key3")
	show("demo", "ref-meta-126", "k000", "k000")
	show("demo", "ref-meta-126", "k125", "k125")
	show("demo", "ref-meta-126", "k126", "k126")
	show("demo", "ref-admin-public", "os_distro", "os_distro")
	show("demo", "ref-alt-private", "alt_prop", "alt_prop")
	show("demo", "ref-tagged", "tags", "tags")
	show("demo", "ref-autodisk-true", "auto_disk_config", "auto_disk_config")
	show("admin", "ref-alt-private", "alt_prop", "alt_prop")
	show("alt", "ref-meta-target", "meta_key1", "meta_key1")
	b.add(req{route: RouteMetaShow, form: formV2Project, mv: mvNone, path: metaPath("ref-custom-props") + "/key%20with%20spaces",
		user: "demo", variant: "ref-custom-props/key-with-spaces"})
}

// ---------------------------------------------------------------- validation

type bodyCase struct{ body, variant string }

func metadataValidationCases(b *builder) {
	mv := std("2.38")
	long := strings.Repeat("v", maxValueChars+1)
	longKey := strings.Repeat("k", maxValueChars+1)
	post := func(body *string, variant string, m mvSpec, hdr ...Header) {
		if hdr == nil {
			hdr = jsonCT()
		}
		b.add(req{route: RouteMetaCreate, form: formV21, mv: m, method: "POST", path: metaPath("ref-meta-target"),
			user: "demo", variant: variant, headers: hdr, body: body})
	}
	putAll := func(body *string, variant string, m mvSpec) {
		b.add(req{route: RouteMetaAll, form: formV21, mv: m, method: "PUT", path: metaPath("ref-meta-target"),
			user: "demo", variant: variant, headers: jsonCT(), body: body})
	}
	putItem := func(key string, body *string, variant string, m mvSpec) {
		b.add(req{route: RouteMetaUpdate, form: formV21, mv: m, method: "PUT", path: metaPath("ref-meta-target") + "/" + key,
			user: "demo", variant: variant, headers: jsonCT(), body: body})
	}

	// POST (create) and PUT (update_all) share the schema
	common := []bodyCase{
		{`null`, "null"}, {`[]`, "list"}, {`{}`, "empty-object"}, {`"metadata"`, "string"}, {`1`, "number"},
		{`true`, "true"},
		{`{"metadata": {"a": "1"}, "extra": 1}`, "extra-key"},
		{`{"metadata": {"a": "1"}, "extra": 1, "extra2": 2}`, "two-extra-keys"},
		{`{"meta": {"a": "1"}}`, "meta-instead-of-metadata"},
		{`{"metadata": "x"}`, "metadata-string"}, {`{"metadata": null}`, "metadata-null"},
		{`{"metadata": []}`, "metadata-list"}, {`{"metadata": 1}`, "metadata-number"},
		{`{"metadata": {"a": 1}}`, "value-int"}, {`{"metadata": {"a": null}}`, "value-null"},
		{`{"metadata": {"a": true}}`, "value-bool"}, {`{"metadata": {"a": {}}}`, "value-object"},
		{`{"metadata": {"a": []}}`, "value-list"}, {`{"metadata": {"a": 1.5}}`, "value-float"},
		{`{"metadata": {"a": "1", "b": 2}}`, "value-mixed"},
		{`{"metadata": {"a": "` + long + `"}}`, "value-256"},
		{`{"metadata": {"a/b": "1"}}`, "key-slash"}, {`{"metadata": {"c$": "1"}}`, "key-dollar"},
		{`{"metadata": {"a/b": "1", "c$": "2"}}`, "two-bad-keys"},
		{`{"metadata": {"ü": "1"}}`, "key-unicode"}, {`{"metadata": {"\u00e9t\u00e9": "1"}}`, "key-unicode-escaped"},
		{`{"metadata": {"": "1"}}`, "key-empty"}, {`{"metadata": {"` + longKey + `": "1"}}`, "key-256"},
		{`{"metadata": {"a/b": 1}}`, "bad-key-and-value"}, {`{"metadata": {"tab\tkey": "1"}}`, "key-tab"},
		{`{"metadata": {"a": "1"}`, "malformed-json-truncated"}, {`{'metadata': {}}`, "malformed-json-quotes"},
		{`not json`, "malformed-json-text"}, {`{"metadata": {"a": "1"}} x`, "malformed-json-trailing"},
		{"", "no-body"},
	}
	for _, c := range common {
		body := str(c.body)
		if c.body == "" {
			body = nil
		}
		post(body, c.variant, mv)
		putAll(body, c.variant, mv)
	}
	post(nil, "no-body-no-content-type", mv, Header{"X-Dummy", "1"})
	post(str(`{}`), "text-plain-empty-object", mv, Header{contentType, "text/plain"})
	post(str(`{}`), "no-content-type-empty-object", mv, Header{"X-Dummy", "1"})
	post(str(`{}`), "compute-json-empty-object", mv, Header{contentType, "application/vnd.openstack.compute+json"})
	for _, m := range []mvSpec{std("2.39"), std("latest"), mvNone, std("2.abc"), std("3.0")} {
		post(str(`{"metadata": `), "malformed-json", m)
		putAll(str(`{"metadata": `), "malformed-json", m)
		putItem("meta_key1", str(`{"meta": `), "malformed-json", m)
	}
	post(str(`{"metadata": {"a/b": "1"}}`), "key-slash", std("2.39"))
	post(nil, "no-body", std("2.39"))
	// schema validation happens before the image is looked up
	b.add(req{route: RouteMetaCreate, form: formV21, mv: mv, method: "POST", path: "/images/" + zeroUUID + "/metadata",
		user: "demo", variant: "zero-uuid-empty-object", headers: jsonCT(), body: str(`{}`)})
	b.add(req{route: RouteMetaAll, form: formV21, mv: mv, method: "PUT", path: "/images/{image:ref-alt-private}/metadata",
		user: "demo", variant: "alt-private-empty-object", headers: jsonCT(), body: str(`{}`)})
	// malformed body beats the project id check, the project id check beats the schema
	b.add(req{route: RouteMetaCreate, form: formAbs, mv: mv, method: "POST",
		path: "/v2.1/{project:alt}/images/{image:ref-meta-target}/metadata", user: "demo",
		variant: "project=alt-malformed-json", headers: jsonCT(), body: str(`{"metadata": `)})
	b.add(req{route: RouteMetaCreate, form: formAbs, mv: mv, method: "POST",
		path: "/v2.1/{project:alt}/images/{image:ref-meta-target}/metadata", user: "demo",
		variant: "project=alt-empty-object", headers: jsonCT(), body: str(`{}`)})
	// quota on PUT all: 129 keys in the body, before Glance is written
	putAll(str(metaBody("q", 129)), "129-keys", mv)
	putAll(str(strings.Replace(metaBody("q", 129), `"q000"`, `"q/000"`, 1)), "129-keys-one-bad", mv)

	// PUT item
	for _, c := range []bodyCase{
		{`null`, "null"}, {`[]`, "list"}, {`{}`, "empty-object"}, {`{"meta": {}}`, "meta-empty"},
		{`{"meta": {"meta_key1": "a", "b": "2"}}`, "meta-two-keys"}, {`{"meta": "x"}`, "meta-string"},
		{`{"meta": null}`, "meta-null"}, {`{"meta": {"meta_key1": 1}}`, "value-int"},
		{`{"meta": {"meta_key1": null}}`, "value-null"}, {`{"meta": {"meta_key1": "` + long + `"}}`, "value-256"},
		{`{"metadata": {"meta_key1": "v"}}`, "metadata-instead-of-meta"},
		{`{"meta": {"meta_key1": "v"}, "extra": 1}`, "extra-key"},
		{`{"meta": {"other": "v"}}`, "uri-mismatch"}, {`{"meta": {"META_KEY1": "v"}}`, "uri-mismatch-case"},
		{`{"meta": {"meta_key1 ": "v"}}`, "uri-mismatch-trailing-space"},
		{`{"meta": {"a/b": "v"}}`, "bad-key"}, {`{"meta": {"meta_key1": "v"`, "malformed-json"},
		{"", "no-body"},
	} {
		body := str(c.body)
		if c.body == "" {
			body = nil
		}
		putItem("meta_key1", body, c.variant, mv)
	}
	putItem("c$", str(`{"meta": {"c$": "v"}}`), "bad-key-both", mv)
	putItem(longKey, str(`{"meta": {"`+longKey+`": "v"}}`), "key-256-both", mv)
	putItem("%C3%BC", str(`{"meta": {"ü": "v"}}`), "unicode-key-both", mv)
	putItem("meta_key1", str(`{"meta": {"other": "v"}}`), "uri-mismatch", std("2.39"))
	b.add(req{route: RouteMetaUpdate, form: formV21, mv: mv, method: "PUT", path: "/images/" + zeroUUID + "/metadata/k",
		user: "demo", variant: "zero-uuid-uri-mismatch", headers: jsonCT(), body: str(`{"meta": {"other": "v"}}`)})
	b.add(req{route: RouteMetaUpdate, form: formV21, mv: mv, method: "PUT", path: "/images/" + zeroUUID + "/metadata/k",
		user: "demo", variant: "zero-uuid", headers: jsonCT(), body: str(`{"meta": {"k": "v"}}`)})

	// legacy /v2 relaxes additionalProperties only
	for _, c := range []bodyCase{
		{`{"metadata": {"a/b": "1"}}`, "key-slash"}, {`{"metadata": {"a/b": "1", "c$": "2"}}`, "two-bad-keys"},
		{`{"metadata": {"a": 1}}`, "value-int"}, {`{}`, "empty-object"}, {`null`, "null"},
		{`{"metadata": {"a": "` + long + `"}}`, "value-256"}, {`{"metadata": "x"}`, "metadata-string"},
	} {
		b.add(req{route: RouteMetaCreate, form: formV2Project, mv: mvNone, method: "POST", path: metaPath("ref-meta-target"),
			user: "demo", variant: c.variant, headers: jsonCT(), body: str(c.body)})
	}
	b.add(req{route: RouteMetaUpdate, form: formV2Project, mv: mvNone, method: "PUT", path: metaPath("ref-meta-target") + "/meta_key1",
		user: "demo", variant: "meta-two-keys", headers: jsonCT(), body: str(`{"meta": {"meta_key1": "a", "b": "2"}}`)})
	b.add(req{route: RouteMetaUpdate, form: formV2Project, mv: mvNone, method: "PUT", path: metaPath("ref-meta-target") + "/meta_key1",
		user: "demo", variant: "uri-mismatch", headers: jsonCT(), body: str(`{"meta": {"other": "v"}}`)})

	// DELETE item of missing keys
	for _, k := range []struct{ key, v string }{{"no_such", "no_such"}, {"META_KEY1", "META_KEY1"}, {"key%20missing", "key-with-space"}} {
		b.add(req{route: RouteMetaDelete, form: formV21, mv: mv, method: "DELETE", path: metaPath("ref-meta-target") + "/" + k.key,
			user: "demo", variant: k.v})
	}
	b.add(req{route: RouteMetaDelete, form: formV21, mv: mv, method: "DELETE", path: "/images/" + zeroUUID + "/metadata/k",
		user: "demo", variant: "zero-uuid"})
	b.add(req{route: RouteMetaDelete, form: formV21, mv: mv, method: "DELETE", path: metaPath("ref-alt-private") + "/alt_prop",
		user: "demo", variant: "alt-private"})
}
