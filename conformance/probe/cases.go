package probe

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/microversion"
)

// The probe's users: the one it runs as, and (optionally) a second user
// in another project for the cross-project cases.
const (
	Primary = "primary"
	Second  = "second"
)

// Fixture roles: each is one image the probe creates for its cases.
const (
	RoleActive = "active" // private, tiny upload, min_disk/min_ram, properties
	RoleQueued = "queued" // private, no data
	RoleServer = "server" // a snapshot: instance_uuid gives it a "server"
	RoleShared = "shared" // shared with the second project (when there is one)
	RoleMeta   = "meta"   // the metadata writes' target
	RoleDelete = "delete" // deleted by the delete cases
	// RoleCommunity is visible to every project; only created when the
	// user may (Glance's communitize_image policy), else its cases are
	// reported as not run.
	RoleCommunity = "community"
	// RolePublic likewise (Glance's publicize_image policy: usually admins).
	RolePublic = "public"
)

// Case classes: what kind of promise a case checks. The mutation test
// checks that breaking one promise fails exactly its class.
const (
	ClassMicroversion = "microversion" // negotiation at the edges of the target's range
	ClassCutoff       = "cutoff"       // a route asked for at or after its removal
	ClassImage        = "image"        // one image's view
	ClassList         = "list"         // lists and their filters
	ClassPagination   = "pagination"   // limit, marker, images_links
	ClassMetadata     = "metadata"     // metadata reads and writes
	ClassDelete       = "delete"
	ClassFault        = "fault" // error answers for bad input
	ClassIsolation    = "isolation"
	ClassAuth         = "auth"
)

// Case is one request of the probe with the answer Nova's contract
// promises for it.
type Case struct {
	conformance.Case
	Class string
	Want  conformance.Normalized
	// Needs names the earlier cases whose writes this one's answer
	// follows from: a selection that keeps it runs them too.
	Needs []string
	// Deviant is imagegw's answer where it deviates from Nova on purpose
	// (deviations.yaml): the only other answer the probe allows.
	Deviant *conformance.Normalized
}

// Cut-off versions (nova/api/openstack/compute/images.py,
// image_metadata.py: max_version 2.35 and 2.38).
var (
	imagesRemoved   = microversion.V(2, 36)
	metadataRemoved = microversion.V(2, 39)
)

// Fixtures are the images of one run, by role, as Glance made them.
type Fixtures struct {
	Images map[string]Image
	// WithSecond: a second user in another project takes part.
	WithSecond bool
	// NotRun says which cases could not run and why (a fixture the user
	// may not create); the report prints it.
	NotRun []string
}

type builder struct {
	r     microversion.Range
	fx    *Fixtures
	cases []Case
	seen  map[string]bool
}

// req is one case under construction.
type req struct {
	class, route, mount, mv, user, variant string
	method, path                           string
	headers                                []conformance.Header
	body                                   *string
	removed                                microversion.Version
	ok                                     func() (int, any)
	needs                                  []string
	deviant                                func() (int, any)
}

// add builds the case and returns its name.
func (b *builder) add(q req) string {
	if q.method == "" {
		q.method = http.MethodGet
	}
	name := strings.Join([]string{q.route, q.mount, "mv-" + q.mv, conformance.UserToken(q.user), q.variant}, "/")
	if b.seen[name] {
		panic("probe: duplicate case name " + name)
	}
	b.seen[name] = true
	c := Case{Class: q.class, Needs: q.needs, Case: conformance.Case{
		Name: name, Route: q.route, MV: q.mv, Method: q.method, Path: q.path,
		Headers: q.headers, Body: q.body, User: q.user,
	}}
	switch {
	case q.user == conformance.UserNone:
		c.Want = Unauthenticated()
	case q.mount == mountV2Project:
		c.Want = ExpectLegacyV2(q.ok)
	default:
		c.Want = Expect(headerOf(q.headers), b.r, q.removed, q.ok)
		if q.deviant != nil {
			d := Expect(headerOf(q.headers), b.r, q.removed, q.deviant)
			c.Deviant = &d
		}
	}
	b.cases = append(b.cases, c)
	return name
}

func headerOf(lines []conformance.Header) http.Header {
	h := http.Header{}
	for _, hd := range lines {
		h.Add(hd.Name, hd.Value)
	}
	return h
}

// The URL forms the probe uses, as case names spell them, and their mounts.
const (
	mountV21        = "v2.1"
	mountV21Project = "v2.1-project"
	mountV2Project  = "v2-project"
)

var mounts = map[string]Mount{
	mountV21:        V21,
	mountV21Project: {Version: "v2.1", Project: "{project:" + Primary + "}"},
	mountV2Project:  {Version: "v2", Project: "{project:" + Primary + "}"},
}

// Cases is the probe's ordered case list for fixtures fx on a target whose
// version document states r. Reads come first, then the writes, then the
// deletes; the cross-project cases run last.
func Cases(fx *Fixtures, r microversion.Range) []Case {
	b := &builder{r: r, fx: fx, seen: map[string]bool{}}
	microversionCases(b)
	imageCases(b)
	listCases(b)
	paginationCases(b)
	metadataCases(b)
	faultCases(b)
	deleteCases(b)
	if fx.WithSecond {
		isolationCases(b)
	}
	return b.cases
}

// Plain converts the probe's cases to the conformance package's.
func Plain(cases []Case) []conformance.Case {
	out := make([]conformance.Case, len(cases))
	for i, c := range cases {
		out[i] = c.Case
	}
	return out
}

// Wants maps case names to their expected answers.
func Wants(cases []Case) map[string]conformance.Normalized {
	out := make(map[string]conformance.Normalized, len(cases))
	for _, c := range cases {
		out[c.Name] = c.Want
	}
	return out
}

// AllCases is every case the probe can run (with a second user), built on
// stand-in fixtures: case names do not depend on the fixtures' ids or the
// target's range, so this is what name checks (the deviations file) use.
func AllCases() []conformance.Case {
	return Plain(Cases(standIn(true), microversion.Range{Min: microversion.V(2, 1), Max: microversion.V(2, 93)}))
}

// standIn fixtures look like a run's (made-up ids, one second apart).
func standIn(second bool) *Fixtures {
	fx := &Fixtures{Images: map[string]Image{}, WithSecond: second}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, sp := range specs("9d3f8a51-6a37-4f56-8a8c-1f1ac5a0c0de") {
		fx.Images[sp.role] = Image{ID: fmt.Sprintf("%08x-0000-4000-8000-000000000000", i+1),
			Name: Prefix + "run-" + sp.role, Status: "active", MinDisk: sp.minDisk, MinRAM: sp.minRAM,
			Properties: sp.props, Created: t0.Add(time.Duration(i) * time.Second)}
	}
	return fx
}
