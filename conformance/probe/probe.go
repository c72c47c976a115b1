package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/microversion"
)

// Options of one probe run.
type Options struct {
	// Cloud and SecondCloud name clouds.yaml entries; Cloud "" means
	// OS_CLOUD or the OS_* variables, SecondCloud "" means no second user.
	Cloud, SecondCloud string
	// Target is the compute API base (scheme://host:port[/prefix] before
	// /v2.1); "" takes it from the user's catalog.
	Target string
	// GlanceURL is the Glance the target names in "alternate" links; ""
	// is the catalog's internal image endpoint, else its public one (where
	// Nova looks by default).
	GlanceURL string
	// KeystoneURL is the uri of the target's WWW-Authenticate; "" is the
	// user's auth_url without /v3.
	KeystoneURL string
	Selection   conformance.Selection
	// Deviations are differences allowed in the listed cases and fields
	// (imagegw's documented ones); nil allows none.
	Deviations *conformance.Deviations
	Log        io.Writer // progress lines; nil: none
}

// Result of a run: the report and what the run did to the cloud.
type Result struct {
	Run       string
	Target    string
	Range     microversion.Range
	Report    *conformance.Report
	Exchanges []conformance.Exchange
	Secrets   []string // the users' tokens, redacted from transcripts
	Created   []string // fixture ids, in creation order
	Deleted   []string // ids the cleanup removed
	// Left are the run's images still there after the cleanup (none,
	// unless Glance failed: `cleanup` removes them later).
	Left []string
	// Classes maps each case run to its class (what promise it checks).
	Classes map[string]string
	// NotRun says which cases could not run on this cloud, and why.
	NotRun []string
	// Others is the number of images outside the probe's prefix the
	// users saw before; Changes lists any difference after the cleanup;
	// AfterErr: the views after the run could not be taken.
	Others   int
	Changes  []string
	AfterErr error
	// CleanupErr: something of the run may be left (`cleanup` removes it).
	CleanupErr error
}

// Run probes one cloud. The fixtures are removed on every way out,
// including ctx's cancellation (Ctrl-C), with a context of their own.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	res = &Result{Run: NewRunID(time.Now())}
	users, err := o.login(ctx)
	if err != nil {
		return res, err
	}
	primary, second := users[Primary], users[Second]
	if res.Target, err = o.target(primary); err != nil {
		return res, err
	}
	client := caseClient(primary)
	if res.Range, err = ReadRange(ctx, client, res.Target); err != nil {
		return res, err
	}
	o.logf("probing %s (compute %s-%s) as run %s", res.Target, res.Range.Min, res.Range.Max, res.Run)
	before, err := inventories(ctx, users)
	if err != nil {
		return res, fmt.Errorf("images before the run: %w", err)
	}
	defer func() { o.finish(res, users, before) }()
	fx, err := CreateFixtures(ctx, primary, second, res.Run, func(id string) { res.Created = append(res.Created, id) })
	if err != nil {
		return res, err
	}
	res.NotRun = fx.NotRun
	cases := o.pick(Cases(fx, res.Range))
	o.logf("running %d cases on %d fixtures", len(cases), len(fx.Images))
	return res, o.runCases(ctx, res, users, cases, client)
}

// runCases sends the cases and evaluates the answers into res.Report.
func (o Options) runCases(ctx context.Context, res *Result, users map[string]*conformance.Session, cases []Case, client *http.Client) error {
	res.Classes = map[string]string{}
	for _, c := range cases {
		res.Classes[c.Name] = c.Class
	}
	cloud := &conformance.Cloud{Projects: map[string]string{}, Images: map[string]string{},
		GlanceURL: o.glanceURL(users[Primary]), KeystoneURL: o.keystoneURL(users[Primary])}
	tokens := map[string]string{}
	for name, s := range users {
		cloud.Projects[name], tokens[name] = s.ProjectID, s.Token
		res.Secrets = append(res.Secrets, s.Token)
	}
	r := &conformance.Runner{Target: res.Target, Cloud: cloud, Tokens: tokens, Client: client}
	var err error
	if res.Exchanges, err = r.Run(ctx, Plain(cases)); err != nil {
		return err
	}
	// the tokens never reach a report, whatever a target echoes
	n := conformance.NewNormalizer(res.Target, cloud).Redacting(res.Secrets...)
	got := conformance.NormalizeAll(res.Exchanges, n)
	res.Report = conformance.Evaluate(Plain(cases), Wants(cases), got, o.Deviations)
	allow(res.Report, cases, got)
	res.Report.MVs = columns(cases, res.Range)
	return nil
}

// caseClient is the runner's client with the user's TLS settings and the
// environment's proxy (HTTPS_PROXY, NO_PROXY), as the login used.
func caseClient(s *conformance.Session) *http.Client {
	c := conformance.DefaultClient()
	t := c.Transport.(*http.Transport)
	t.TLSClientConfig, t.Proxy = s.TLS, http.ProxyFromEnvironment
	return c
}

// columns orders the report's microversion columns as the sweep asks.
func columns(cases []Case, r microversion.Range) []string {
	present := map[string]bool{}
	for _, c := range cases {
		present[c.MV] = true
	}
	var out []string
	for _, e := range Edges(r) {
		if present[e.label] {
			out = append(out, e.label)
			delete(present, e.label)
		}
	}
	for _, c := range cases {
		if present[c.MV] {
			out = append(out, c.MV)
			delete(present, c.MV)
		}
	}
	return out
}

// finish removes the run's images and compares the users' views of
// every image outside the probe's prefix with the views before the run.
func (o Options) finish(res *Result, users map[string]*conformance.Session, before map[string]Inventory) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	o.logf("removing the run's images (%d created) ...", len(res.Created))
	prefix := Prefix + res.Run
	res.Deleted, res.CleanupErr = CleanupRun(ctx, users[Primary], prefix, res.Created)
	left, err := Leftovers(ctx, users[Primary], prefix)
	if err != nil {
		res.CleanupErr = errors.Join(res.CleanupErr, err)
	}
	for _, im := range left {
		res.Left = append(res.Left, im.ID)
	}
	after, err := inventories(ctx, users)
	if err != nil {
		res.AfterErr = err
		return
	}
	seen := map[string]bool{}
	for name, inv := range before {
		for id := range inv {
			seen[id] = true
		}
		for _, c := range inv.Changes(after[name]) {
			res.Changes = append(res.Changes, name+": "+c)
		}
	}
	res.Others = len(seen)
}

// inventories are the users' views of every image outside the probe's
// prefix: other probe runs (a colleague's, a parallel CI job) are not
// the target's doing.
func inventories(ctx context.Context, users map[string]*conformance.Session) (map[string]Inventory, error) {
	out := map[string]Inventory{}
	for name, s := range users {
		inv, err := TakeInventory(ctx, s, Prefix)
		if err != nil {
			return nil, err
		}
		out[name] = inv
	}
	return out, nil
}

func (o Options) login(ctx context.Context) (map[string]*conformance.Session, error) {
	const timeout = time.Minute // per login call; the run's own limit is ctx's
	users := map[string]*conformance.Session{}
	var err error
	if users[Primary], err = conformance.Login(ctx, o.Cloud, timeout); err != nil {
		return nil, err
	}
	if o.SecondCloud != "" {
		if users[Second], err = conformance.Login(ctx, o.SecondCloud, timeout); err != nil {
			return nil, err
		}
		if users[Second].ProjectID == users[Primary].ProjectID {
			return nil, errors.New("the second user must be in another project than the first")
		}
	}
	return users, nil
}

func (o Options) target(primary *conformance.Session) (string, error) {
	if o.Target != "" {
		return strings.TrimRight(o.Target, "/"), nil
	}
	if primary.Compute == "" {
		return "", errors.New("no compute endpoint in the catalog: give --target")
	}
	return ComputeBase(primary.Compute)
}

func (o Options) glanceURL(primary *conformance.Session) string {
	if o.GlanceURL != "" {
		return strings.TrimRight(o.GlanceURL, "/")
	}
	return strings.TrimRight(primary.GlanceLink, "/")
}

func (o Options) keystoneURL(primary *conformance.Session) string {
	if o.KeystoneURL != "" {
		return o.KeystoneURL
	}
	return primary.Keystone
}

// pick keeps the cases the selection picks, and the earlier writes their
// answers follow from (Needs names the last one; walking backwards takes
// the ones before it too), in order.
func (o Options) pick(cases []Case) []Case {
	keep := map[string]bool{}
	for _, c := range o.Selection.Apply(Plain(cases)) {
		keep[c.Name] = true
	}
	for i := len(cases) - 1; i >= 0; i-- { // needs point backwards only
		if keep[cases[i].Name] {
			for _, n := range cases[i].Needs {
				keep[n] = true
			}
		}
	}
	var out []Case
	for _, c := range cases {
		if keep[c.Name] {
			out = append(out, c)
		}
	}
	return out
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}
