package proxy

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/translate"
)

// Version documents, byte-for-byte in Nova's key order.

type versionLink struct {
	Rel  string `json:"rel"`
	Type string `json:"type,omitempty"`
	Href string `json:"href"`
}

type mediaType struct {
	Base string `json:"base"`
	Type string `json:"type"`
}

type versionSummary struct {
	ID         string        `json:"id"`
	Status     string        `json:"status"`
	Version    string        `json:"version"`
	MinVersion string        `json:"min_version"`
	Updated    string        `json:"updated"`
	Links      []versionLink `json:"links"`
}

type versionDoc struct {
	ID         string        `json:"id"`
	Status     string        `json:"status"`
	Version    string        `json:"version"`
	MinVersion string        `json:"min_version"`
	Updated    string        `json:"updated"`
	Links      []versionLink `json:"links"`
	MediaTypes []mediaType   `json:"media-types"`
}

type choice struct {
	ID         string        `json:"id"`
	Status     string        `json:"status"`
	Links      []versionLink `json:"links"`
	MediaTypes []mediaType   `json:"media-types"`
}

const (
	updatedV20 = "2011-01-21T11:33:21Z"
	updatedV21 = "2013-07-23T11:33:21Z"
	mediaV20   = "application/vnd.openstack.compute+json;version=2"
	mediaV21   = "application/vnd.openstack.compute+json;version=2.1"
)

// baseURL is scheme://host[:port] of the request, or the configured public URL.
func (s *Server) baseURL(c echo.Context) string {
	p := s.baseParts(c.Request())
	return p[0] + p[1]
}

// baseParts are baseURL as two strings to concatenate (public_url and "",
// or the scheme and the Host), made without allocating.
func (s *Server) baseParts(r *http.Request) [2]string {
	f := s.frontFor(r)
	if f.public != "" {
		return [2]string{f.public, ""}
	}
	host := r.Host
	if f.prefix != "" { // a region's links keep its prefix
		host += f.prefix
	}
	if r.TLS != nil {
		return [2]string{"https://", host}
	}
	return [2]string{"http://", host}
}

// appParts are baseURL + mount as three strings to concatenate.
func (s *Server) appParts(r *http.Request, mount string) [3]string {
	p := s.baseParts(r)
	return [3]string{p[0], p[1], mount}
}

// baseContains tells whether baseURL contains sub (a project id: it can
// not span the two parts, nor lie in "http://").
func (s *Server) baseContains(r *http.Request, sub string) bool {
	p := s.baseParts(r)
	return strings.Contains(p[0], sub) || strings.Contains(p[1], sub)
}

func (s *Server) rootVersions(c echo.Context) (response, error) {
	b, served := s.baseURL(c), s.frontFor(c.Request()).served.Load()
	return jsonAnswer(http.StatusOK, successType(c), map[string][]versionSummary{"versions": {
		{ID: "v2.0", Status: "SUPPORTED", Updated: updatedV20, Links: []versionLink{{Rel: "self", Href: b + "/v2/"}}},
		{ID: "v2.1", Status: "CURRENT", Version: served.max.String(), MinVersion: served.min.String(), Updated: updatedV21,
			Links: []versionLink{{Rel: "self", Href: b + "/v2.1/"}}},
	}})
}

func describedBy() versionLink {
	return versionLink{Rel: "describedby", Type: "text/html", Href: "http://docs.openstack.org/"}
}

// document is the single-version document of id ("v2.0" or "v2.1"); its
// self link is the mount the request came through, as in Nova.
func (s *Server) document(c echo.Context, id string) (response, error) {
	if err := contentTypeStep(c.Request()); err != nil {
		return response{}, err
	}
	served := s.frontFor(c.Request()).served.Load()
	self := s.baseURL(c) + "/v2.1/"
	if classify(c.Request().URL.Path).legacy {
		self = s.baseURL(c) + "/v2/"
	}
	doc := versionDoc{ID: "v2.1", Status: "CURRENT", Version: served.max.String(), MinVersion: served.min.String(), Updated: updatedV21,
		Links:      []versionLink{{Rel: "self", Href: self}, describedBy()},
		MediaTypes: []mediaType{{Base: "application/json", Type: mediaV21}},
	}
	if id == "v2.0" {
		doc = versionDoc{ID: "v2.0", Status: "SUPPORTED", Updated: updatedV20,
			Links:      []versionLink{{Rel: "self", Href: self}, describedBy()},
			MediaTypes: []mediaType{{Base: "application/json", Type: mediaV20}},
		}
	}
	return jsonAnswer(http.StatusOK, successType(c), map[string]versionDoc{"version": doc})
}

// mountDocument serves /v2[/], /v2.1[/] and /{mount}/{project_id}/.
func (s *Server) mountDocument(c echo.Context) (response, error) {
	if classify(c.Request().URL.Path).legacy {
		return s.document(c, "v2.0")
	}
	return s.document(c, "v2.1")
}

// versionByID serves /{mount}/versions/{id}: v2.0 and v2.1 are known.
func (s *Server) versionByID(c echo.Context) (response, error) {
	switch id := c.Param("version_id"); id {
	case "v2.0", "v2.1":
		return s.document(c, id)
	}
	return response{}, translate.NotFound()
}

// choices is Nova's 300 answer for paths outside /v2 and /v2.1.
func (s *Server) choices(c echo.Context) (response, error) {
	b := s.baseURL(c)
	p := c.Request().URL.Path
	return jsonAnswer(http.StatusMultipleChoices, "application/json", map[string][]choice{"choices": {
		{ID: "v2.0", Status: "SUPPORTED", Links: []versionLink{{Rel: "self", Href: b + "/v2" + p}},
			MediaTypes: []mediaType{{Base: "application/json", Type: mediaV20}}},
		{ID: "v2.1", Status: "CURRENT", Links: []versionLink{{Rel: "self", Href: b + "/v2.1" + p}},
			MediaTypes: []mediaType{{Base: "application/json", Type: mediaV21}}},
	}})
}

// versionHeaders are Nova's version response headers of every version in
// the served range, built once: a request sets them without formatting or
// allocating. The slices are shared by all requests and never written; a
// later Header.Add copies them (len == cap).
type versionHeaders struct {
	min, max microversion.Version
	byMinor  []versionHeaderSet // index: minor - min.Minor (major 2 only)
	vary     []string
}

type versionHeaderSet struct {
	value            string // "2.35", for logs and metrics
	standard, legacy []string
}

var (
	keyStandard = http.CanonicalHeaderKey(microversion.HeaderStandard)
	keyLegacy   = http.CanonicalHeaderKey(microversion.HeaderLegacy)
)

func newVersionHeaders(r microversion.Range) *versionHeaders {
	vh := &versionHeaders{min: r.Min, max: r.Max,
		vary: []string{microversion.HeaderStandard, microversion.HeaderLegacy}[:2:2]}
	if r.Min.Major == r.Max.Major {
		for m := r.Min.Minor; m <= r.Max.Minor; m++ {
			v := microversion.V(r.Min.Major, m).String()
			vh.byMinor = append(vh.byMinor, versionHeaderSet{value: v,
				standard: []string{microversion.ServiceType + " " + v}[:1:1], legacy: []string{v}[:1:1]})
		}
	}
	return vh
}

// set writes the headers microversion.SetResponseHeaders writes for v and
// returns v as a string.
func (vh *versionHeaders) set(h http.Header, v microversion.Version) string {
	i := v.Minor - vh.min.Minor
	if v.Major != vh.min.Major || i < 0 || i >= len(vh.byMinor) {
		s := v.String()
		microversion.SetResponseHeaders(h, s)
		return s
	}
	hs := &vh.byMinor[i]
	h[keyStandard] = hs.standard
	h[keyLegacy] = hs.legacy
	if old := h["Vary"]; len(old) > 0 {
		h["Vary"] = append(old[:len(old):len(old)], vh.vary...)
	} else {
		h["Vary"] = vh.vary
	}
	return hs.value
}
