package conformance

import (
	"fmt"
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

// UserToken is how a user shows in case names.
func UserToken(u string) string {
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
	name := strings.Join([]string{r.route, r.form, r.mv.token, UserToken(r.user)}, "/")
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
