package conformance

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Route names used in case names and reports.
const (
	RouteList       = "images.list"
	RouteDetail     = "images.detail"
	RouteShow       = "images.show"
	RouteDelete     = "images.delete"
	RouteMetaIndex  = "metadata.index"
	RouteMetaShow   = "metadata.show"
	RouteMetaCreate = "metadata.create"
	RouteMetaAll    = "metadata.update_all"
	RouteMetaUpdate = "metadata.update"
	RouteMetaDelete = "metadata.delete"
	RouteVersions   = "versions"
	RouteChoices    = "choices"
	RouteRouter     = "router"
)

// Microversion classes (report columns).
const (
	MVNone        = "none"
	MVMalformed   = "malformed"
	MVOutOfRange  = "out-of-range"
	MVOther       = "other"
	MVPrecedence  = "precedence"
	MVWhitespace  = "whitespace"
	MVNotApplied  = "n/a"
	headerStd     = "OpenStack-API-Version"
	headerLegacy  = "X-OpenStack-Nova-API-Version"
	contentType   = "Content-Type"
	appJSON       = "application/json"
	zeroUUID      = "00000000-0000-0000-0000-000000000000"
	metaTarget    = "{image:ref-meta-target}"
	maxValueChars = 255
)

// mvSpec is a microversion request: how it shows in case names, its report
// class and the header lines sent.
type mvSpec struct {
	token   string
	class   string
	headers []Header
}

var mvRE = regexp.MustCompile(`^([1-9][0-9]*)\.([1-9][0-9]*|0)$`)

// classOf maps a requested version string to its report class.
func classOf(v string) string {
	switch v {
	case "2.1", "2.35", "2.36", "2.38", "2.39", "latest":
		return v
	}
	m := mvRE.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return MVMalformed
	}
	var major, minor int
	fmt.Sscanf(m[1], "%d", &major)
	fmt.Sscanf(m[2], "%d", &minor)
	if len(m[1]) > 3 || len(m[2]) > 3 || major != 2 || minor < 1 || minor > 93 {
		return MVOutOfRange
	}
	return MVOther
}

var (
	mvNone = mvSpec{token: "mv-none", class: MVNone}
)

// std asks for a version with "OpenStack-API-Version: compute <v>".
func std(v string) mvSpec {
	return mvSpec{token: "mv-" + tokenOf(v), class: classOf(v),
		headers: []Header{{headerStd, "compute " + v}}}
}

// leg asks for a version with the legacy "X-OpenStack-Nova-API-Version: <v>".
func leg(v string) mvSpec {
	return mvSpec{token: "mv-x" + tokenOf(v), class: classOf(v),
		headers: []Header{{headerLegacy, v}}}
}

// custom is a named combination of version headers.
func custom(token, class string, h ...Header) mvSpec {
	return mvSpec{token: "mv-" + token, class: class, headers: h}
}

func tokenOf(v string) string {
	if v == "" {
		return "empty"
	}
	return strings.ReplaceAll(v, " ", "_")
}

// URL forms: the mounts a route is reached through.
const (
	formV21        = "v2.1"
	formV21Project = "v2.1-project"
	formV2Project  = "v2-project"
	formV2         = "v2"
	formAbs        = "abs" // path given in full
)

func prefixOf(form, user string) string {
	p := "{project:" + UserProject[user] + "}"
	switch form {
	case formV21:
		return "/v2.1"
	case formV21Project:
		return "/v2.1/" + p
	case formV2Project:
		return "/v2/" + p
	case formV2:
		return "/v2"
	}
	return ""
}

func userToken(u string) string {
	switch u {
	case UserNone:
		return "anon"
	case UserBad:
		return "bad-token"
	}
	return u
}

// req is a case under construction.
type req struct {
	route, form, variant string
	mv                   mvSpec
	method, path         string // path relative to the form's prefix
	user                 string
	headers              []Header
	body                 *string
}

type builder struct {
	cases []Case
	seen  map[string]bool
}

func (b *builder) add(r req) {
	if r.method == "" {
		r.method = "GET"
	}
	name := strings.Join([]string{r.route, r.form, r.mv.token, userToken(r.user)}, "/")
	if r.variant != "" {
		name += "/" + r.variant
	}
	if b.seen[name] {
		panic("conformance: duplicate case name " + name)
	}
	b.seen[name] = true
	hdr := append(append([]Header{}, r.mv.headers...), r.headers...)
	b.cases = append(b.cases, Case{
		Name: name, Route: r.route, MV: r.mv.class, Method: r.method,
		Path: prefixOf(r.form, r.user) + r.path, Headers: hdr, Body: r.body, User: r.user,
	})
}

func str(s string) *string { return &s }

func jsonCT() []Header { return []Header{{contentType, appJSON}} }

// Matrix returns the ordered request matrix. Reads come first; the
// metadata writes and the deletes at the end only touch their dedicated
// seed images (ref-meta-*, ref-del-*) or fail without changing anything,
// except where a later read checks the write's effect.
func Matrix() []Case {
	b := &builder{seen: map[string]bool{}}
	versionCases(b)
	authCases(b)
	microversionSweeps(b)
	precedenceCases(b)
	listCases(b)
	showCases(b)
	routerCases(b)
	contentTypeCases(b)
	metadataReadCases(b)
	metadataValidationCases(b)
	metadataWriteCases(b)
	deleteCases(b)
	return b.cases
}

// ---------------------------------------------------------------- versions

func versionCases(b *builder) {
	docs := []struct{ path, variant string }{
		{"/", "root"}, {"/v2", "v2"}, {"/v2/", "v2-slash"}, {"/v2.1", "v2.1"}, {"/v2.1/", "v2.1-slash"},
	}
	for _, d := range docs {
		for _, mv := range []mvSpec{mvNone, std("2.35"), leg("2.38"), std("latest"), std("2.abc"), leg(""), std("3.0"), leg("2.0")} {
			b.add(req{route: RouteVersions, form: formAbs, variant: d.variant, mv: mv, path: d.path})
		}
	}
	// a token changes nothing on the public documents
	for _, d := range docs {
		b.add(req{route: RouteVersions, form: formAbs, variant: d.variant, mv: std("2.35"), path: d.path, user: "demo"})
	}
	b.add(req{route: RouteVersions, form: formAbs, variant: "root-bad-token", mv: mvNone, path: "/", user: UserBad})
	// versioned documents inside the API need a token
	for _, user := range []string{"demo", UserNone} {
		b.add(req{route: RouteVersions, form: formV21Project, variant: "project-slash", mv: std("2.35"), path: "/", user: user})
		b.add(req{route: RouteVersions, form: formV2Project, variant: "project-slash", mv: mvNone, path: "/", user: user})
	}
	b.add(req{route: RouteVersions, form: formV21Project, variant: "project-slash", mv: std("2.abc"), path: "/", user: "demo"})
	b.add(req{route: RouteVersions, form: formV21Project, variant: "project-no-slash", mv: mvNone, path: "", user: "demo"})
	for _, v := range []string{"v2.1", "v2.0", "v3.0"} {
		b.add(req{route: RouteVersions, form: formV21, variant: "versions-" + v, mv: mvNone, path: "/versions/" + v, user: "demo"})
	}
	b.add(req{route: RouteVersions, form: formV21, variant: "versions-v2.1", mv: std("2.36"), path: "/versions/v2.1", user: "demo"})
	// Accept variants of the root document
	b.add(req{route: RouteVersions, form: formAbs, variant: "root-accept-compute-json", mv: mvNone, path: "/",
		headers: []Header{{"Accept", "application/vnd.openstack.compute+json"}}})
	b.add(req{route: RouteVersions, form: formAbs, variant: "v2.1-accept-html", mv: mvNone, path: "/v2.1/",
		headers: []Header{{"Accept", "text/html"}}})

	// unknown top-level paths: 300 choices
	for _, p := range []string{"/images", "/images/detail", "/v3/images", "/foo", "/v2.0", "/v2.0/images", "/v1/images"} {
		b.add(req{route: RouteChoices, form: formAbs, variant: strings.Trim(strings.ReplaceAll(p, "/", "_"), "_"), mv: mvNone, path: p})
	}
	b.add(req{route: RouteChoices, form: formAbs, variant: "images", mv: std("2.35"), path: "/images", user: "demo"})
	b.add(req{route: RouteChoices, form: formAbs, variant: "images-query", mv: mvNone, path: "/images?limit=1"})
}

// ---------------------------------------------------------------- auth

// routeProbe is one request per route used by the auth and sweep cases.
type routeProbe struct {
	route, method, path string
	body                *string
}

func probes() []routeProbe {
	return []routeProbe{
		{RouteList, "GET", "/images?limit=2", nil},
		{RouteDetail, "GET", "/images/detail?limit=2", nil},
		{RouteShow, "GET", "/images/{image:ref-active}", nil},
		// deleting an unknown id changes nothing
		{RouteDelete, "DELETE", "/images/" + zeroUUID, nil},
		{RouteMetaIndex, "GET", "/images/" + metaTarget + "/metadata", nil},
		{RouteMetaShow, "GET", "/images/" + metaTarget + "/metadata/meta_key1", nil},
		// schema-invalid bodies: 400 in range, 404 above it, never a write
		{RouteMetaCreate, "POST", "/images/" + metaTarget + "/metadata", str(`{}`)},
		{RouteMetaAll, "PUT", "/images/" + metaTarget + "/metadata", str(`{"meta": {"a": "b"}}`)},
		{RouteMetaUpdate, "PUT", "/images/" + metaTarget + "/metadata/meta_key1", str(`{"meta": {}}`)},
		// deleting a missing key changes nothing
		{RouteMetaDelete, "DELETE", "/images/" + metaTarget + "/metadata/no_such_key", nil},
	}
}

func (p routeProbe) req(form string, mv mvSpec, user, variant string) req {
	r := req{route: p.route, form: form, mv: mv, method: p.method, path: p.path, user: user, variant: variant, body: p.body}
	if p.body != nil {
		r.headers = jsonCT()
	}
	return r
}

func authCases(b *builder) {
	for _, p := range probes() {
		b.add(p.req(formV21, std("2.35"), UserNone, ""))
		b.add(p.req(formV21, std("2.35"), UserBad, ""))
	}
	// auth runs before routing and before microversion parsing
	b.add(req{route: RouteRouter, form: formV21, mv: std("2.35"), path: "/no/such/route", user: UserNone})
	b.add(req{route: RouteRouter, form: formV21, mv: std("2.35"), path: "/no/such/route", user: UserBad})
	b.add(req{route: RouteList, form: formV21, mv: std("2.abc"), path: "/images", user: UserNone, variant: "auth-before-mv"})
	b.add(req{route: RouteList, form: formV21, mv: std("3.0"), path: "/images", user: UserBad, variant: "auth-before-mv"})
	b.add(req{route: RouteList, form: formV2, mv: mvNone, path: "/images", user: UserNone})
	b.add(req{route: RouteList, form: formV2Project, mv: mvNone, path: "/images", user: UserBad})
	b.add(req{route: RouteShow, form: formV21Project, mv: mvNone, path: "/images/{image:ref-active}", user: UserNone})
	b.add(req{route: RouteList, form: formV21, mv: mvNone, path: "/images", user: UserNone, variant: "empty-token",
		headers: []Header{{"X-Auth-Token", ""}}})
}

// ---------------------------------------------------------------- µv sweeps

var (
	sweepV21 = []mvSpec{mvNone, std("2.1"), leg("2.1"), std("2.35"), leg("2.35"), std("2.36"), leg("2.36"),
		std("2.38"), leg("2.38"), std("2.39"), std("latest"), leg("latest"),
		std("2.abc"), leg("2.abc"), leg(""), std("3.0"), leg("2.94"), std("2.0"), leg("2.9999")}
	sweepV21Project = []mvSpec{mvNone, std("2.35"), std("2.36"), std("2.39"), std("latest"), leg("2.abc"), std("3.0")}
	// legacy /v2 ignores every version header
	sweepV2 = []mvSpec{mvNone, std("2.35"), leg("2.36"), std("2.39"), leg("2.abc"), std("3.0"), leg("")}
)

func microversionSweeps(b *builder) {
	for _, p := range probes() {
		write := p.method != "GET"
		for _, mv := range sweepV21 {
			b.add(p.req(formV21, mv, "demo", ""))
		}
		for i, mv := range sweepV21Project {
			if write && i%2 == 1 {
				continue
			}
			b.add(p.req(formV21Project, mv, "demo", ""))
		}
		for i, mv := range sweepV2 {
			if write && i%2 == 1 {
				continue
			}
			b.add(p.req(formV2Project, mv, "demo", ""))
			if !write || i < 2 {
				b.add(p.req(formV2, mv, "demo", ""))
			}
		}
	}
}

func precedenceCases(b *builder) {
	probe := func(route, path, variant string) func(mvSpec, string) {
		return func(mv mvSpec, v string) {
			if v == "" {
				v = variant
			}
			b.add(req{route: route, form: formV21, mv: mv, path: path, user: "demo", variant: v})
		}
	}
	list := probe(RouteList, "/images?limit=1", "limit=1")
	meta := probe(RouteMetaIndex, "/images/"+metaTarget+"/metadata", "ref-meta-target")
	s, l := headerStd, headerLegacy
	// the standard header wins over the legacy one
	list(custom("std2.36+x2.35", MVPrecedence, Header{s, "compute 2.36"}, Header{l, "2.35"}), "")
	list(custom("std2.35+x2.36", MVPrecedence, Header{s, "compute 2.35"}, Header{l, "2.36"}), "")
	meta(custom("std2.39+x2.38", MVPrecedence, Header{s, "compute 2.39"}, Header{l, "2.38"}), "")
	meta(custom("std2.38+x2.39", MVPrecedence, Header{s, "compute 2.38"}, Header{l, "2.39"}), "")
	list(custom("std2.35+xgarbage", MVPrecedence, Header{s, "compute 2.35"}, Header{l, "garbage"}), "")
	// a standard header without a compute entry falls back to the legacy one
	list(custom("volume3.0+x2.36", MVPrecedence, Header{s, "volume 3.0"}, Header{l, "2.36"}), "")
	list(custom("volume3.0", MVPrecedence, Header{s, "volume 3.0"}), "")
	list(custom("compute-no-version", MVPrecedence, Header{s, "compute"}), "")
	list(custom("COMPUTE2.35", MVPrecedence, Header{s, "COMPUTE 2.35"}), "")
	list(custom("Compute2.36", MVPrecedence, Header{s, "Compute 2.36"}), "")
	list(custom("compute2.35,volume3.0", MVPrecedence, Header{s, "compute 2.35, volume 3.0"}), "")
	list(custom("volume3.0,compute2.36", MVPrecedence, Header{s, "volume 3.0, compute 2.36"}), "")
	list(custom("compute2.36,compute2.3", MVPrecedence, Header{s, "compute 2.36, compute 2.3"}), "")
	list(custom("two-lines-2.39-2.3", MVPrecedence, Header{s, "compute 2.39"}, Header{s, "compute 2.3"}), "")
	list(custom("two-lines-2.3-2.39", MVPrecedence, Header{s, "compute 2.3"}, Header{s, "compute 2.39"}), "")
	list(custom("x2.30,2.20", MVPrecedence, Header{l, "2.30, 2.20"}), "")
	list(custom("x2.20,2.36", MVPrecedence, Header{l, "2.20, 2.36"}), "")
	list(custom("x-compute-api-version", MVPrecedence, Header{"X-OpenStack-Compute-API-Version", "2.36"}), "")
	list(custom("lower-case-name", MVPrecedence, Header{"openstack-api-version", "compute 2.36"}), "")
	// white space
	list(custom("ws-x_2.35_", MVWhitespace, Header{l, " 2.35 "}), "")
	list(custom("ws-compute__2.36", MVWhitespace, Header{s, "compute   2.36"}), "")
	list(custom("ws-_compute_2.35_", MVWhitespace, Header{s, " compute 2.35 "}), "")
	list(custom("ws-compute-tab-2.36", MVWhitespace, Header{s, "compute\t2.36"}), "")
	// more malformed and out-of-range values
	for _, v := range []string{"2", "2.01", "02.1", "LATEST", "Latest", "2.35 extra", "2.-1", "v2.35", "2.35.1", "1.0.0"} {
		list(std(v), "")
	}
	list(leg("2.abc "), "")
	for _, v := range []string{"1.9", "2.93", "2.94", "99999999999999999999.1", "2.0", "0.9"} {
		list(leg(v), "")
	}
	list(std("2.93"), "")
	meta(std("2.37"), "")
	meta(leg("2.93"), "")
}

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

// ---------------------------------------------------------------- router

func routerCases(b *builder) {
	mv := std("2.35")
	r := func(method, path, variant string, hdr ...Header) {
		b.add(req{route: RouteRouter, form: formAbs, mv: mv, method: method, path: path, user: "demo", variant: variant, headers: hdr})
	}
	r("GET", "/v2.1/images/", "GET-images-trailing-slash")
	r("GET", "/v2.1/images/detail/", "GET-detail-trailing-slash")
	r("GET", "/v2.1/images/{image:ref-active}/", "GET-image-trailing-slash")
	r("GET", "/v2.1/images/{image:ref-active}/metadata/", "GET-metadata-trailing-slash")
	r("GET", "/v2.1/images.json", "GET-images.json")
	r("GET", "/v2.1/images/detail.json", "GET-detail.json")
	r("POST", "/v2.1/images", "POST-images", Header{contentType, appJSON})
	r("PUT", "/v2.1/images/{image:ref-active}", "PUT-image", Header{contentType, appJSON})
	r("PATCH", "/v2.1/images/{image:ref-active}", "PATCH-image", Header{contentType, appJSON})
	r("POST", "/v2.1/images/{image:ref-active}", "POST-image", Header{contentType, appJSON})
	r("DELETE", "/v2.1/images", "DELETE-images")
	r("HEAD", "/v2.1/images", "HEAD-images")
	r("HEAD", "/v2.1/images/{image:ref-active}", "HEAD-image")
	r("HEAD", "/v2.1/images/"+metaTarget+"/metadata", "HEAD-metadata")
	r("OPTIONS", "/v2.1/images", "OPTIONS-images")
	r("FOO", "/v2.1/images", "FOO-images")
	r("POST", "/v2.1/images/"+metaTarget+"/metadata/meta_key1", "POST-metadata-key", Header{contentType, appJSON})
	r("DELETE", "/v2.1/images/"+metaTarget+"/metadata", "DELETE-metadata")
	r("PATCH", "/v2.1/images/"+metaTarget+"/metadata", "PATCH-metadata", Header{contentType, appJSON})
	r("GET", "/v2.1/images/"+metaTarget+"/metadata/a%2Fb", "GET-metadata-key-%2F")
	r("DELETE", "/v2.1/images/"+metaTarget+"/metadata/a%2Fb", "DELETE-metadata-key-%2F")
	r("GET", "/v2.1/images/a%2Fb", "GET-image-id-%2F")
	r("GET", "/v2.1/images/"+metaTarget+"/metadata/a/b", "GET-metadata-key-slash")
	r("GET", "/v2.1/not-a-project/images", "GET-non-hex-project")
	r("GET", "/v2.1/ABCDEF/images", "GET-upper-hex-project")
	r("GET", "/v2/not-a-project/images", "GET-v2-non-hex-project")
	r("GET", "/v2.1/foo", "GET-unknown-resource")
	r("GET", "/v2.1/servers/{instance_uuid}/images", "GET-nested-unknown")
	r("GET", "/v2.1/IMAGES", "GET-upper-case-route")
	r("GET", "/v2.1/images/detail/extra", "GET-detail-extra")
	r("GET", "/v2.1/images/", "GET-images-trailing-slash-accept-html", Header{"Accept", "text/html"})
	r("GET", "/v2.1/images/", "GET-images-trailing-slash-accept-any", Header{"Accept", "*/*"})
	r("POST", "/v2.1/images", "POST-images-accept-html", Header{"Accept", "text/html"}, Header{contentType, appJSON})
	// OPTIONS is answered before authentication (CORS preflight)
	b.add(req{route: RouteRouter, form: formAbs, mv: mvNone, method: "OPTIONS", path: "/v2.1/images", user: UserNone, variant: "OPTIONS-images"})
	b.add(req{route: RouteRouter, form: formAbs, mv: mvNone, method: "OPTIONS", path: "/v2.1/images/{image:ref-active}/metadata", user: UserBad,
		variant: "OPTIONS-metadata"})
	b.add(req{route: RouteRouter, form: formAbs, mv: mvNone, method: "OPTIONS", path: "/", user: UserNone, variant: "OPTIONS-root"})
	b.add(req{route: RouteRouter, form: formAbs, mv: mvNone, method: "HEAD", path: "/", user: UserNone, variant: "HEAD-root"})
	b.add(req{route: RouteRouter, form: formAbs, mv: mvNone, method: "HEAD", path: "/v2.1/", user: UserNone, variant: "HEAD-v2.1"})
	b.add(req{route: RouteRouter, form: formAbs, mv: mvNone, method: "POST", path: "/", user: UserNone, variant: "POST-root", headers: jsonCT()})
	b.add(req{route: RouteRouter, form: formAbs, mv: std("2.abc"), path: "/v2.1/images/", user: "demo", variant: "GET-images-trailing-slash"})
	b.add(req{route: RouteRouter, form: formAbs, mv: std("2.36"), path: "/v2.1/images/", user: "demo", variant: "GET-images-trailing-slash"})
	b.add(req{route: RouteRouter, form: formAbs, mv: mvNone, path: "/v2/images/", user: "demo", variant: "GET-v2-images-trailing-slash"})
	b.add(req{route: RouteRouter, form: formAbs, mv: mvNone, method: "POST", path: "/v2/{project:demo}/images", user: "demo",
		variant: "POST-v2-images", headers: jsonCT()})
}

// ---------------------------------------------------------------- 415

func contentTypeCases(b *builder) {
	ct := func(route, method, path, ctype, variant string, mv mvSpec, body *string) {
		b.add(req{route: route, form: formV21, mv: mv, method: method, path: path, user: "demo",
			variant: "content-type=" + variant, headers: []Header{{contentType, ctype}}, body: body})
	}
	mv := std("2.35")
	ct(RouteList, "GET", "/images?limit=1", "application/xml", "xml", mv, nil)
	ct(RouteList, "GET", "/images?limit=1", "application/x-www-form-urlencoded", "form", mv, nil)
	ct(RouteList, "GET", "/images?limit=1", "text/plain", "text-plain", mv, nil)
	ct(RouteList, "GET", "/images?limit=1", "application/json; charset=utf-8", "json-charset", mv, nil)
	ct(RouteList, "GET", "/images?limit=1", "application/vnd.openstack.compute+json", "compute-json", mv, nil)
	ct(RouteList, "GET", "/images?limit=1", "APPLICATION/JSON", "json-upper", mv, nil)
	ct(RouteList, "GET", "/images?limit=1", "garbage", "garbage", mv, nil)
	ct(RouteList, "GET", "/images?limit=1", "application/xml", "xml", std("2.36"), nil)
	ct(RouteList, "GET", "/images?limit=1", "application/xml", "xml", std("2.abc"), nil)
	ct(RouteDetail, "GET", "/images/detail?limit=1", "application/xml", "xml", mv, nil)
	ct(RouteShow, "GET", "/images/{image:ref-active}", "application/xml", "xml", mv, nil)
	ct(RouteShow, "GET", "/images/"+zeroUUID, "text/html", "html", mv, nil)
	ct(RouteDelete, "DELETE", "/images/{image:ref-del-never}", "application/xml", "xml", mv, nil)
	ct(RouteMetaIndex, "GET", "/images/"+metaTarget+"/metadata", "application/xml", "xml", std("2.38"), nil)
	ct(RouteMetaCreate, "POST", "/images/"+metaTarget+"/metadata", "application/xml", "xml", std("2.38"), str(`{"metadata": {"x": "1"}}`))
	ct(RouteMetaCreate, "POST", "/images/"+metaTarget+"/metadata", "application/xml", "xml", std("2.39"), str(`{"metadata": {"x": "1"}}`))
	ct(RouteMetaAll, "PUT", "/images/"+metaTarget+"/metadata", "application/x-www-form-urlencoded", "form", std("2.38"), str(`metadata=x`))
	ct(RouteMetaUpdate, "PUT", "/images/"+metaTarget+"/metadata/meta_key1", "application/xml", "xml", std("2.38"), str(`<meta/>`))
	ct(RouteMetaDelete, "DELETE", "/images/"+metaTarget+"/metadata/meta_key1", "application/xml", "xml", std("2.38"), nil)
	ct(RouteVersions, "GET", "/", "application/xml", "xml", mvNone, nil)

	// 413 before auth, route and microversion
	big := str(`{"metadata": {"k": "` + strings.Repeat("x", 120000) + `"}}`)
	b.add(req{route: RouteMetaCreate, form: formV21, mv: std("2.38"), method: "POST", path: "/images/" + metaTarget + "/metadata",
		user: "demo", variant: "body-too-large", headers: jsonCT(), body: big})
	b.add(req{route: RouteMetaCreate, form: formV21, mv: std("2.38"), method: "POST", path: "/images/" + metaTarget + "/metadata",
		user: UserNone, variant: "body-too-large", headers: jsonCT(), body: big})
	b.add(req{route: RouteRouter, form: formV21, mv: std("2.abc"), method: "POST", path: "/no/such/route",
		user: "demo", variant: "body-too-large", headers: jsonCT(), body: big})
}
