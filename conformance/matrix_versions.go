package conformance

import (
	"strings"
)

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
