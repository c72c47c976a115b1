package conformance

import (
	"strings"
)

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
