//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/conformance/probe"
)

// mutation alters one thing about imagegw's answers; the probe must then
// fail exactly the cases of the promise it breaks.
type mutation struct {
	name     string
	request  func(r *http.Request)
	response func(res *http.Response) error
	classes  []string // the classes of the failing cases (nil: any)
	fields   []string // the fields that differ (nil: any)
}

// mutatingProxy is a reverse proxy in front of target that applies m.
func mutatingProxy(t *testing.T, target string, m mutation) *httptest.Server {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	rp := &httputil.ReverseProxy{ModifyResponse: m.response, Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Host = pr.In.Host // the links name the proxy, the probe's target
		if m.request != nil {
			m.request(pr.Out)
		}
	}}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv
}

// rewriteBody replaces the body of an answer.
func rewriteBody(res *http.Response, f func([]byte) []byte) error {
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	b = f(b)
	res.Body = io.NopCloser(bytes.NewReader(b))
	res.ContentLength = int64(len(b))
	res.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return nil
}

// askedFor236 rewrites a request for 2.36 into one for 2.35 and marks it,
// so the answer's version headers can claim 2.36 again.
func askedFor236(r *http.Request) {
	if r.Header.Get("OpenStack-API-Version") == "compute 2.36" || r.Header.Get("X-OpenStack-Nova-API-Version") == "2.36" {
		for _, h := range []string{"OpenStack-API-Version", "X-OpenStack-Nova-API-Version"} {
			if v := r.Header.Get(h); v != "" {
				r.Header.Set(h, strings.Replace(v, "2.36", "2.35", 1))
			}
		}
		r.Header.Set("X-Mutation-Asked", "2.36")
	}
}

func answered236(res *http.Response) error {
	if res.Request.Header.Get("X-Mutation-Asked") == "2.36" {
		res.Header.Set("OpenStack-API-Version", "compute 2.36")
		res.Header.Set("X-OpenStack-Nova-API-Version", "2.36")
	}
	return nil
}

// strangerSeesDemo sends the requests of any alt token with demo's: the
// gateway then hands demo's images to the stranger.
func strangerSeesDemo(t *testing.T) func(r *http.Request) {
	var projects sync.Map
	return func(r *http.Request) {
		tok := r.Header.Get("X-Auth-Token")
		if tok == "" { // the unauthenticated cases
			return
		}
		p, ok := projects.Load(tok)
		if !ok {
			p = tokenProject(t, tok)
			projects.Store(tok, p)
		}
		if p == world.seed.Projects["alt"] {
			r.Header.Set("X-Auth-Token", world.tokens["demo"])
		}
	}
}

// tokenProject asks Keystone, as the admin, which project a token is for.
func tokenProject(t *testing.T, tok string) string {
	req, _ := http.NewRequest("GET", strings.TrimRight(world.keystone, "/")+"/auth/tokens", nil)
	req.Header.Set("X-Auth-Token", world.tokens["admin"])
	req.Header.Set("X-Subject-Token", tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("token lookup: %v", err)
		return ""
	}
	defer res.Body.Close()
	var v struct {
		Token struct {
			Project struct{ ID string } `json:"project"`
		} `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("token lookup: %d %v", res.StatusCode, err) // Errorf: it runs in the proxy's goroutine
	}
	return v.Token.Project.ID
}

func mutations(t *testing.T) []mutation {
	return []mutation{
		{name: "none", classes: []string{}, fields: []string{}},
		{name: "drops Vary", fields: []string{"header:vary"},
			response: func(res *http.Response) error { res.Header.Del("Vary"); return nil }},
		{name: "answers 2.36 with 200", classes: []string{probe.ClassCutoff}, request: askedFor236, response: answered236},
		{name: "changes a fault message", classes: []string{probe.ClassFault}, fields: []string{"body"},
			response: func(res *http.Response) error {
				return rewriteBody(res, func(b []byte) []byte {
					return bytes.ReplaceAll(b, []byte("Invalid metadata key"), []byte("Invalid metadata key."))
				})
			}},
		{name: "shows a private image to a stranger", classes: []string{probe.ClassIsolation}, request: strangerSeesDemo(t)},
		{name: "breaks images_links", classes: []string{probe.ClassPagination}, fields: []string{"body"},
			response: func(res *http.Response) error {
				// only next links carry "marker=" (imagegw writes & as \u0026)
				return rewriteBody(res, func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("marker="), []byte("marker=x")) })
			}},
	}
}

// TestProbeMutations: against imagegw behind a proxy that breaks one
// promise at a time, the probe fails exactly that promise's cases.
func TestProbeMutations(t *testing.T) {
	_, gw := probeWorld(t)
	devs, err := conformance.ImagegwDeviations()
	require.NoError(t, err)
	for _, m := range mutations(t) {
		t.Run(m.name, func(t *testing.T) {
			proxy := mutatingProxy(t, gw.URL, m)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			res, err := probe.Run(ctx, probe.Options{Cloud: "demo", SecondCloud: "alt", Target: proxy.URL, Deviations: devs})
			require.NoError(t, err)
			require.Empty(t, res.Left, "nothing of the run is left")
			require.Empty(t, res.Changes, "nothing outside the run changed")
			classes, fields := map[string]bool{}, map[string]bool{}
			for _, o := range res.Report.Failures() {
				classes[res.Classes[o.Case.Name]] = true
				for _, d := range o.Unexpected {
					fields[d.Field] = true
				}
			}
			failedClasses, failedFields := slices.Sorted(maps.Keys(classes)), slices.Sorted(maps.Keys(fields))
			if m.classes != nil {
				require.ElementsMatch(t, m.classes, failedClasses, "failing case classes")
			}
			if m.fields != nil {
				require.ElementsMatch(t, m.fields, failedFields, "failing fields")
			}
			t.Logf("%s: %d of %d cases fail (classes %v, fields %v)", m.name, len(res.Report.Failures()),
				len(res.Report.Outcomes), failedClasses, failedFields)
		})
	}
}

// stopAt says when stoppedProbe signals the probe: as the proxy passes
// its nth request (the version document, then the cases), or as soon as
// the first fixture shows in Glance (while the others are being made).
type stopAt struct {
	request int
	fixture bool
	delay   time.Duration // per request through the proxy (default 20 ms)
}

// stoppedProbe runs the probe binary through a slow proxy in front of
// imagegw, with extra arguments, and sends it sig (if set) at the point
// at says. Whatever stops it, nothing of the run may be left and the admin
// must see every other image as before.
func stoppedProbe(t *testing.T, sig os.Signal, at stopAt, args ...string) (stdout, stderr string, requests int) {
	t.Helper()
	_, gw := probeWorld(t)
	before := adminView(t)
	var proc atomic.Pointer[os.Process] // set once started, read by the proxy
	var seen atomic.Int32
	if at.delay == 0 {
		at.delay = 20 * time.Millisecond
	}
	slow := mutatingProxy(t, gw.URL, mutation{request: func(r *http.Request) {
		time.Sleep(at.delay)
		if n := seen.Add(1); sig != nil && int(n) == at.request {
			_ = proc.Load().Signal(sig)
		}
	}})
	cmd := probeCmd(t, slow.URL, t.TempDir())
	cmd.Args = append(cmd.Args, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	var earlier map[string]bool // leftovers of other runs: not this run's fixtures
	var demo *conformance.Session
	if at.fixture {
		demo, earlier = probeLeftovers(t)
	}
	require.NoError(t, cmd.Start())
	proc.Store(cmd.Process)
	watching := make(chan struct{})
	ctx, stopWatching := context.WithCancel(context.Background())
	go func() {
		defer close(watching)
		if at.fixture {
			signalOnFirstFixture(ctx, demo, earlier, cmd.Process, sig)
		}
	}()
	err := cmd.Wait()
	stopWatching()
	<-watching // the watcher never outlives the test
	ee, ok := err.(*exec.ExitError)
	require.True(t, ok, "the stopped probe fails: %v\n%s", err, errOut.String())
	require.Equal(t, 2, ee.ExitCode(), errOut.String())
	m := runIDRE.FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	require.Equal(t, "0", m[2], "nothing of the run left")
	require.Contains(t, out.String(), "identical after it")
	require.Empty(t, before.Changes(adminView(t)), "the admin sees exactly the images of before the run")
	t.Logf("stopped after %d requests: %s fixtures created and removed", seen.Load(), m[1])
	return out.String(), errOut.String(), int(seen.Load())
}

// probeLeftovers are demo's session and the ids of the probe images
// demo's project holds before a run.
func probeLeftovers(t *testing.T) (*conformance.Session, map[string]bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	demo, err := conformance.Login(ctx, "demo", time.Minute)
	require.NoError(t, err)
	left, err := probe.Leftovers(ctx, demo, probe.Prefix)
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, im := range left {
		ids[im.ID] = true
	}
	return demo, ids
}

// signalOnFirstFixture watches demo's images until ctx ends and sends sig
// as soon as a probe image that was not there before (earlier) shows.
func signalOnFirstFixture(ctx context.Context, demo *conformance.Session, earlier map[string]bool, p *os.Process, sig os.Signal) {
	for ctx.Err() == nil {
		left, _ := probe.Leftovers(ctx, demo, probe.Prefix)
		for _, im := range left {
			if !earlier[im.ID] {
				_ = p.Signal(sig)
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestProbeInterruptedLeavesNothing: Ctrl-C in the middle of the matrix.
func TestProbeInterruptedLeavesNothing(t *testing.T) {
	_, stderr, requests := stoppedProbe(t, os.Interrupt, stopAt{request: 25})
	require.Regexp(t, interrupted, stderr)
	require.Less(t, requests, len(probe.AllCases()), "interrupted mid-matrix")
}

// TestProbeInterruptedDuringFixtures: Ctrl-C while the fixtures are being
// made (an image Glance made but whose answer the probe never read is
// found by its name).
func TestProbeInterruptedDuringFixtures(t *testing.T) {
	_, stderr, requests := stoppedProbe(t, os.Interrupt, stopAt{fixture: true})
	require.Regexp(t, interrupted, stderr)
	require.LessOrEqual(t, requests, 1, "no case was sent: only the version document")
}

// interrupted is how the probe reports a SIGINT: the runner's context
// error, or the signal as the cause of an aborted Glance call.
const interrupted = `context canceled|interrupt signal received`

// TestProbeTimeoutLeavesNothing: --timeout runs out (at 100 ms a request
// the cases alone need more than 10 s).
func TestProbeTimeoutLeavesNothing(t *testing.T) {
	_, stderr, _ := stoppedProbe(t, nil, stopAt{delay: 100 * time.Millisecond}, "--timeout", "6s")
	require.Contains(t, stderr, "context deadline exceeded")
}
