package probe

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/translate"
)

// Image is what the expectations know of one image: what the probe asked
// Glance for and what Glance reported back. Nothing here is a recorded
// answer; every expected field is derived from it as Nova's view builder
// does (nova/api/openstack/compute/views/images.py).
type Image struct {
	ID, Name   string
	Status     string // Glance's: active, queued, ...
	Size       int64
	MinDisk    int
	MinRAM     int
	Properties map[string]string
	// Created orders lists: Glance sorts by created_at, then id, both
	// descending, unless asked otherwise (Nova never asks).
	Created time.Time
}

// Mount is the URL form a request used; links name the same mount
// (common.ViewBuilder._get_href_link, _get_bookmark_link).
type Mount struct {
	Version string // "v2.1" or "v2"
	Project string // "" or a placeholder such as {project:primary}
}

// V21 is the plain /v2.1 mount.
var V21 = Mount{Version: "v2.1"}

// Prefix is the request path prefix of the mount.
func (m Mount) Prefix() string { return "/" + m.Version + m.project() }

func (m Mount) project() string {
	if m.Project == "" {
		return ""
	}
	return "/" + m.Project
}

func (m Mount) href(coll, id string) string {
	return conformance.PHBase + m.Prefix() + "/" + coll + "/" + id
}

func (m Mount) bookmark(coll, id string) string {
	return conformance.PHBase + m.project() + "/" + coll + "/" + id
}

func (m Mount) links(id string) []any {
	return []any{
		map[string]any{"rel": "self", "href": m.href("images", id)},
		map[string]any{"rel": "bookmark", "href": m.bookmark("images", id)},
		map[string]any{"rel": "alternate", "type": "application/vnd.openstack.image",
			"href": conformance.PHGlance + "/images/" + id},
	}
}

// novaStatus and novaProgress are ViewBuilder._get_status/_get_progress.
func novaStatus(s string) string {
	switch s {
	case "active":
		return "ACTIVE"
	case "queued", "saving":
		return "SAVING"
	case "deleted", "pending_delete":
		return "DELETED"
	case "killed":
		return "ERROR"
	}
	return "UNKNOWN"
}

func novaProgress(s string) int {
	return map[string]int{"queued": 25, "saving": 50, "active": 100}[s]
}

// Detail is ViewBuilder.show of an image.
func Detail(im Image, m Mount) map[string]any {
	meta := map[string]any{}
	for k, v := range im.Properties {
		meta[k] = v
	}
	d := map[string]any{
		"id": im.ID, "name": im.Name, "minRam": im.MinRAM, "minDisk": im.MinDisk,
		"metadata": meta, "created": conformance.PHTime, "updated": conformance.PHTime,
		"status": novaStatus(im.Status), "progress": novaProgress(im.Status),
		"OS-EXT-IMG-SIZE:size": im.Size, "links": m.links(im.ID),
	}
	if uuid, ok := im.Properties["instance_uuid"]; ok {
		d["server"] = map[string]any{"id": uuid, "links": []any{
			map[string]any{"rel": "self", "href": m.href("servers", uuid)},
			map[string]any{"rel": "bookmark", "href": m.bookmark("servers", uuid)},
		}}
	}
	if v, ok := im.Properties["auto_disk_config"]; ok {
		d["OS-DCF:diskConfig"] = map[bool]string{true: "AUTO", false: "MANUAL"}[boolFromString(v)]
	}
	return d
}

// boolFromString is oslo strutils.bool_from_string (non-strict).
func boolFromString(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true
	}
	return false
}

// Basic is ViewBuilder.basic of an image.
func Basic(im Image, m Mount) map[string]any {
	return map[string]any{"id": im.ID, "name": im.Name, "links": m.links(im.ID)}
}

// List is ViewBuilder.index/detail: the images, and a next link when the
// page is full (common.ViewBuilder._get_collection_links; the query is
// the request's, sorted by name, with the marker appended last).
func List(ims []Image, m Mount, detail bool, query [][2]string, limit int) map[string]any {
	out := make([]any, len(ims))
	for i, im := range ims {
		if detail {
			out[i] = Detail(im, m)
		} else {
			out[i] = Basic(im, m)
		}
	}
	body := map[string]any{"images": out}
	if limit > 0 && len(ims) == limit {
		coll := "images"
		if detail {
			coll = "images/detail"
		}
		body["images_links"] = []any{map[string]any{"rel": "next", "href": NextLink(m, coll, query, ims[len(ims)-1].ID)}}
	}
	return body
}

// Fault is a Nova fault body (the fault names are translate's, checked
// with the messages against the recording in contract_*_golden_test.go).
func Fault(status int, message string) map[string]any {
	return map[string]any{translate.FaultName(status): map[string]any{"code": status, "message": message}}
}

// Messages of Nova's the translate package does not hold as constants.
const (
	MsgMetadataRequired = "'metadata' is a required property"
	MsgAuthRequired     = "The request you have made requires authentication."
)

const (
	ctJSON     = "application/json"
	ctJSONUTF8 = "application/json; charset=UTF-8"
	hdrCT      = "content-type"
	hdrWWWAuth = "www-authenticate"
	hdrLength  = "content-length"
)

// answer is an expected response under construction.
type answer struct {
	status  int
	headers map[string][]string
	body    any // nil: no body
}

// versioned are the version headers and Vary lines microversion writes
// for value, as the normaliser keys them (lower case).
func versioned(value string) map[string][]string {
	h := http.Header{}
	microversion.SetResponseHeaders(h, value)
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = v
	}
	return out
}

// Expect is the answer Nova gives to a request with headers h for a route
// removed at removedAt (2.36 for images, 2.39 for metadata) within the
// version range r: the negotiation faults and the removed-route 404 come
// first (nova/api/openstack/wsgi.py, api_version_request.py); otherwise
// ok says what the route answers (nil for a case asked only at versions
// that removed the route). The negotiation is imagegw's own
// microversion package: against imagegw that part alone would be circular,
// so TestContractMatchesGoldenMicroversions pins it to what the real Nova
// answered for 19 version requests.
func Expect(h http.Header, r microversion.Range, removedAt microversion.Version, ok func() (int, any)) conformance.Normalized {
	v, err := microversion.Negotiate(h, r)
	switch e := err.(type) {
	case *microversion.MalformedError:
		return answer{400, map[string][]string{hdrCT: {ctJSONUTF8}}, Fault(400, e.Error())}.normalized()
	case *microversion.UnsupportedError:
		a := answer{406, versioned(e.Value), Fault(406, e.Error())}
		a.headers[hdrCT] = []string{ctJSONUTF8}
		return a.normalized()
	}
	a := answer{headers: versioned(v.String())}
	if !v.Less(removedAt) {
		a.status, a.body = 404, Fault(404, translate.MsgNotFound)
	} else {
		a.status, a.body = ok()
	}
	return a.typed().normalized()
}

// ExpectLegacyV2 is the answer on the /v2 mount: Nova's
// LegacyV2CompatibleWrapper ignores version headers, sends none and no
// Vary, and serves every route as 2.0 (so nothing is removed).
func ExpectLegacyV2(ok func() (int, any)) conformance.Normalized {
	a := answer{headers: map[string][]string{}}
	a.status, a.body = ok()
	return a.typed().normalized()
}

// typed adds the Content-Type (and on 204 the Content-Length) webob sends.
func (a answer) typed() answer {
	switch {
	case a.status == http.StatusNoContent:
		// eventlet/webob sends "Content-Length: 0" and the JSON type
		a.headers[hdrLength] = []string{"0"}
		a.headers[hdrCT] = []string{ctJSON}
	case a.status >= 400:
		a.headers[hdrCT] = []string{ctJSONUTF8}
	default:
		a.headers[hdrCT] = []string{ctJSON}
	}
	return a
}

// Unauthenticated is keystonemiddleware's 401, sent before Nova sees the
// request: no version headers.
func Unauthenticated() conformance.Normalized {
	return answer{401, map[string][]string{
		hdrCT:      {ctJSON},
		hdrWWWAuth: {`Keystone uri="` + conformance.PHKeystone + `"`},
	}, map[string]any{"error": map[string]any{"code": 401, "title": "Unauthorized", "message": MsgAuthRequired}}}.normalized()
}

// normalized turns an answer into the form the comparator reads; the body
// goes through JSON so numbers are float64 as in a parsed response.
func (a answer) normalized() conformance.Normalized {
	n := conformance.Normalized{Status: a.status, Headers: a.headers, BodyKind: "text", Body: ""}
	if a.body != nil {
		b, _ := json.Marshal(a.body)
		var v any
		_ = json.Unmarshal(b, &v)
		n.BodyKind, n.Body = "json", v
	}
	return n
}

// NextLink is the next link of a list page (_get_next_link): the mount's
// collection URL and nextQuery.
func NextLink(m Mount, coll string, query [][2]string, marker string) string {
	return conformance.PHBase + m.Prefix() + "/" + coll + "?" + nextQuery(query, marker)
}

// nextQuery is the query of a next link: Python's
// urlencode(OrderedDict(sorted(request.params.items()))) after
// params["marker"] = id: one value per name (the last after sorting), an
// existing marker keeps its place.
func nextQuery(query [][2]string, marker string) string {
	q := append([][2]string{}, query...)
	sort.SliceStable(q, func(i, j int) bool {
		if q[i][0] != q[j][0] {
			return q[i][0] < q[j][0]
		}
		return q[i][1] < q[j][1]
	})
	var names []string
	vals := map[string]string{}
	for _, kv := range q {
		if _, seen := vals[kv[0]]; !seen {
			names = append(names, kv[0])
		}
		vals[kv[0]] = kv[1]
	}
	if _, seen := vals["marker"]; !seen {
		names = append(names, "marker")
	}
	vals["marker"] = marker
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = url.QueryEscape(k) + "=" + url.QueryEscape(vals[k])
	}
	return strings.Join(parts, "&")
}

// GlanceOrder sorts images as Glance lists them by default.
func GlanceOrder(ims []Image) []Image {
	out := append([]Image{}, ims...)
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].ID > out[j].ID
	})
	return out
}

// PropertyFilter is the Glance property a Nova "property-<key>" filter
// queries: Nova strips the prefix with str.lstrip('property-'), a set of
// characters, not a prefix (nova/image/glance.py
// _extract_query_params_v2); strings.TrimLeft has the same meaning.
func PropertyFilter(param string) string {
	return strings.TrimLeft(param, "proety-") // the characters of "property-"
}
