package probe

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/translate"
)

func itoa(n int) string { return strconv.Itoa(n) }

// answerWith answers status with body whatever the version.
func answerWith(status int, body any) func() (int, any) {
	return func() (int, any) { return status, body }
}

// jsonBody is a request body and the Content-Type line it needs.
func jsonBody(v any) (*string, []conformance.Header) {
	b, _ := json.Marshal(v)
	s := string(b)
	return &s, []conformance.Header{{Name: "Content-Type", Value: "application/json"}}
}

// metadataCases write the meta fixture's metadata one call of each kind
// at a time; each answer follows from the properties before it.
func metadataCases(b *builder) {
	mv, hdr := at("2.38")
	im := b.fx.Images[RoleMeta]
	props := maps.Clone(im.Properties)
	base := "/v2.1/images/" + im.ID + "/metadata"
	var written []string // the last write: each answer follows from it (and, through it, from the ones before)
	write := func(route, variant, method, path string, body any, status int, want any) {
		s, ct := jsonBody(body)
		if body == nil {
			s, ct = nil, nil
		}
		name := b.add(req{class: ClassMetadata, route: route, mount: mountV21, mv: mv, user: Primary, variant: variant,
			method: method, path: path, body: s, headers: append(append([]conformance.Header{}, hdr...), ct...),
			removed: metadataRemoved, ok: answerWith(status, want), needs: written})
		if method != http.MethodGet {
			written = []string{name}
		}
	}
	write(conformance.RouteMetaShow, "probe_a", "GET", base+"/probe_a", nil, 200, map[string]any{"meta": map[string]string{"probe_a": props["probe_a"]}})
	props["probe_c"] = "3"
	write(conformance.RouteMetaCreate, "add-probe_c", "POST", base, map[string]any{"metadata": map[string]string{"probe_c": "3"}},
		200, map[string]any{"metadata": maps.Clone(props)})
	props["probe_d"] = "4"
	write(conformance.RouteMetaUpdate, "set-probe_d", "PUT", base+"/probe_d", map[string]any{"meta": map[string]string{"probe_d": "4"}},
		200, map[string]any{"meta": map[string]string{"probe_d": "4"}})
	write(conformance.RouteMetaIndex, "after-writes", "GET", base, nil, 200, map[string]any{"metadata": maps.Clone(props)})
	props = map[string]string{"probe_e": "5"}
	write(conformance.RouteMetaAll, "replace-all", "PUT", base, map[string]any{"metadata": props},
		200, map[string]any{"metadata": props})
	write(conformance.RouteMetaDelete, "probe_e", "DELETE", base+"/probe_e", nil, http.StatusNoContent, nil)
	write(conformance.RouteMetaIndex, "after-delete", "GET", base, nil, 200, map[string]any{"metadata": map[string]string{}})
	after := im
	after.Properties = map[string]string{}
	b.add(req{class: ClassMetadata, route: conformance.RouteShow, mount: mountV21, mv: "2.35", user: Primary,
		variant: "meta-after-delete", headers: stdHeader("2.35"), path: "/v2.1/images/" + im.ID,
		removed: imagesRemoved, ok: showOK(after, V21), needs: written})
}

// faultCases are bad requests and missing things: Nova's fault for each.
func faultCases(b *builder) {
	meta, active := b.fx.Images[RoleMeta], b.fx.Images[RoleActive]
	base := "/v2.1/images/" + meta.ID + "/metadata"
	mismatch, ct := jsonBody(map[string]any{"meta": map[string]string{"probe_y": "1"}})
	empty, _ := jsonBody(map[string]any{})
	for _, q := range []req{
		{route: conformance.RouteShow, variant: "zero-uuid", path: "/v2.1/images/00000000-0000-0000-0000-000000000000",
			removed: imagesRemoved, ok: answerWith(404, Fault(404, translate.MsgImageNotFound))},
		{route: conformance.RouteMetaShow, variant: "missing-key", path: base + "/no_such_key",
			removed: metadataRemoved, ok: answerWith(404, Fault(404, translate.MsgNotFound))},
		{route: conformance.RouteMetaDelete, variant: "missing-key", method: "DELETE", path: base + "/no_such_key",
			removed: metadataRemoved, ok: answerWith(404, Fault(404, translate.MsgInvalidMetaKey))},
		{route: conformance.RouteMetaUpdate, variant: "uri-mismatch", method: "PUT", path: base + "/probe_x", body: mismatch,
			headers: ct, removed: metadataRemoved, ok: answerWith(400, Fault(400, translate.MsgURIMismatch))},
		{route: conformance.RouteMetaCreate, variant: "no-metadata", method: "POST", path: base, body: empty,
			headers: ct, removed: metadataRemoved, ok: answerWith(400, Fault(400, MsgMetadataRequired))},
	} {
		q.mv, q.headers = versionFor(q.removed, q.headers)
		q.class, q.mount, q.user = ClassFault, mountV21, Primary
		b.add(q)
	}
	if b.fx.WithSecond {
		other, ctx := "{project:"+Second+"}", "{project:"+Primary+"}"
		mv, hdr := at("2.35")
		b.add(req{class: ClassFault, route: conformance.RouteShow, mount: "v2.1-other-project", mv: mv, user: Primary,
			variant: RoleActive, headers: hdr, path: "/v2.1/" + other + "/images/" + active.ID,
			removed: imagesRemoved, ok: answerWith(400, Fault(400, translate.ProjectMismatch(other, ctx).Message))})
	}
	for _, q := range []req{
		{route: conformance.RouteShow, path: "/v2.1/images/" + active.ID},
		{route: conformance.RouteMetaIndex, path: base},
	} {
		q.class, q.mount, q.mv, q.user, q.variant, q.headers = ClassAuth, mountV21, "2.35", conformance.UserNone, "no-token", stdHeader("2.35")
		b.add(q)
	}
}

// versionFor is the last version that still has a route removed at
// removed, with the case's own header lines after it.
func versionFor(removed microversion.Version, extra []conformance.Header) (string, []conformance.Header) {
	v := microversion.V(removed.Major, removed.Minor-1).String()
	return v, append(stdHeader(v), extra...)
}

// deleteCases delete the delete fixture and ask for what is gone, then
// ask for deletes and writes at the versions that removed them.
func deleteCases(b *builder) {
	del, active, meta := b.fx.Images[RoleDelete], b.fx.Images[RoleActive], b.fx.Images[RoleMeta]
	mv, hdr := at("2.35")
	var deleted []string
	for _, q := range []req{
		{route: conformance.RouteDelete, variant: "owner", method: "DELETE", ok: answerWith(http.StatusNoContent, nil)},
		{route: conformance.RouteShow, variant: "deleted", ok: answerWith(404, Fault(404, translate.MsgImageNotFound))},
		{route: conformance.RouteDelete, variant: "again", method: "DELETE", ok: answerWith(404, Fault(404, translate.MsgImageNotFound))},
	} {
		q.class, q.mount, q.mv, q.user, q.headers, q.path, q.removed = ClassDelete, mountV21, mv, Primary, hdr, "/v2.1/images/"+del.ID, imagesRemoved
		q.needs = deleted
		if name := b.add(q); deleted == nil {
			deleted = []string{name}
		}
	}
	body, ct := jsonBody(map[string]any{"metadata": map[string]string{"probe_z": "1"}})
	for _, q := range []req{
		{route: conformance.RouteDelete, mv: "2.36", method: "DELETE", path: "/v2.1/images/" + active.ID, removed: imagesRemoved},
		{route: conformance.RouteMetaCreate, mv: "2.39", method: "POST", path: "/v2.1/images/" + meta.ID + "/metadata",
			body: body, headers: ct, removed: metadataRemoved},
	} {
		q.headers = append(stdHeader(q.mv), q.headers...)
		q.class, q.mount, q.user, q.variant = ClassCutoff, mountV21, Primary, "removed"
		b.add(q)
	}
}

// isolationCases: the second user, in another project, asks for the
// primary user's images. Private ones are invisible, the shared one is
// visible but not the second user's to change. The stranger's delete of
// the private image comes last: if it wrongly succeeds, nothing after it
// depends on that image.
func isolationCases(b *builder) {
	fx := b.fx.Images
	active, meta, shared, queued := fx[RoleActive], fx[RoleMeta], fx[RoleShared], fx[RoleQueued]
	q := [][2]string{{"name", "in:" + active.Name + "," + queued.Name}}
	write, ct := jsonBody(map[string]any{"metadata": map[string]string{"x": "1"}})
	notFound := answerWith(404, Fault(404, translate.MsgImageNotFound))
	cases := []req{
		{route: conformance.RouteShow, variant: "private", path: "/v2.1/images/" + active.ID, removed: imagesRemoved, ok: notFound},
		{route: conformance.RouteList, variant: "private", path: "/v2.1/images?" + query(q), removed: imagesRemoved, ok: listOK(nil, false, q, 0)},
		{route: conformance.RouteDetail, variant: "private", path: "/v2.1/images/detail?" + query(q), removed: imagesRemoved, ok: listOK(nil, true, q, 0)},
		{route: conformance.RouteMetaIndex, variant: "private", path: "/v2.1/images/" + meta.ID + "/metadata", removed: metadataRemoved, ok: notFound},
		{route: conformance.RouteMetaShow, variant: "private", path: "/v2.1/images/" + active.ID + "/metadata/hw_probe_key", removed: metadataRemoved, ok: notFound},
		{route: conformance.RouteShow, variant: "shared", path: "/v2.1/images/" + shared.ID, removed: imagesRemoved, ok: showOK(shared, V21)},
		{route: conformance.RouteMetaCreate, variant: "shared", method: "POST", path: "/v2.1/images/" + shared.ID + "/metadata",
			body: write, headers: ct, removed: metadataRemoved, ok: answerWith(403, Fault(403, translate.NotAuthorized(shared.ID).Message))},
		{route: conformance.RouteDelete, variant: "shared", method: "DELETE", path: "/v2.1/images/" + shared.ID,
			removed: imagesRemoved, ok: answerWith(403, Fault(403, translate.MsgDeleteForbidden))},
	}
	for _, role := range []string{RoleCommunity, RolePublic} {
		if im, ok := fx[role]; ok {
			cases = append(cases, everyonesCases(role, im)...)
		}
	}
	// last: if it wrongly succeeds, nothing after it needs the image
	cases = append(cases, req{route: conformance.RouteDelete, variant: "private", method: "DELETE", path: "/v2.1/images/" + active.ID,
		removed: imagesRemoved, ok: notFound})
	for _, c := range cases {
		c.mv, c.headers = versionFor(c.removed, c.headers)
		c.class, c.mount, c.user = ClassIsolation, mountV21, Second
		b.add(c)
	}
}

// everyonesCases: a community or public image is every project's to see,
// not to change or delete.
func everyonesCases(role string, com Image) []req {
	write, ct := jsonBody(map[string]any{"metadata": map[string]string{"x": "1"}})
	return []req{
		{route: conformance.RouteShow, variant: role, path: "/v2.1/images/" + com.ID, removed: imagesRemoved, ok: showOK(com, V21)},
		{route: conformance.RouteMetaIndex, variant: role, path: "/v2.1/images/" + com.ID + "/metadata", removed: metadataRemoved,
			ok: metaIndexOK(com.Properties)},
		{route: conformance.RouteMetaCreate, variant: role, method: "POST", path: "/v2.1/images/" + com.ID + "/metadata",
			body: write, headers: ct, removed: metadataRemoved, ok: answerWith(403, Fault(403, translate.NotAuthorized(com.ID).Message))},
		{route: conformance.RouteDelete, variant: role, method: "DELETE", path: "/v2.1/images/" + com.ID,
			removed: imagesRemoved, ok: answerWith(403, Fault(403, translate.MsgDeleteForbidden))},
	}
}
