//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// upstream_timeout 2 s and request_timeout 4 s: a read that gets no answer
// is tried twice (2 s, the 200 ms backoff, then cut at 4 s by the request
// deadline); a write once.
const (
	glanceUpstreamTimeout = 2 * time.Second
	glanceRequestTimeout  = 4 * time.Second
	glanceMargin          = 3 * time.Second // a loaded 2-core machine
)

// TestGlanceFaults puts the fault proxy in front of the real Glance.
func TestGlanceFaults(t *testing.T) {
	e := startGlanceFaults(t)
	checkLeaks := leakCheck(t, []*faultGateway{e.gwy, e.fresh}, []*faultProxy{e.px})

	for _, tt := range glanceFaultCases() {
		t.Run(tt.name, func(t *testing.T) { e.run(t, tt) })
	}
	e.px.pass()
	rr, _ := timed(t, e.gwy.ops.URL, "GET", "/readyz", "", "")
	require.Equal(t, 200, rr.Status, string(rr.Body))
	checkLeaks()
}

type glanceFaultCase struct {
	name   string
	fault  *injection
	method string
	path   string // {id}: the case's target image
	body   string
	write  bool // on an image of its own (created per case)
	// the client's answer
	status    int
	faultName string
	message   string
	// requests the fault was applied to (-1: refused, none arrive);
	// gets: Glance GETs seen by the proxy (-1: not checked)
	calls, gets int64
	slow        bool // the answer waits for upstream_timeout
	recovered   int  // status of the same request once Glance is back
	ready       bool // also check /readyz (503, glance unreachable)
}

func glanceFaultCases() []glanceFaultCase {
	metadataPut := `{"metadata": {"fault": "injected"}}`
	return []glanceFaultCase{
		{name: "refused: show", fault: refused(), method: "GET", path: "/v2.1/images/{id}",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: -1, gets: -1, recovered: 200, ready: true},
		{name: "refused: delete", fault: refused(), method: "DELETE", path: "/v2.1/images/{id}", write: true,
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: -1, gets: -1, recovered: 204},
		{name: "slow: show is tried twice within request_timeout", fault: slow(time.Minute), method: "GET", path: "/v2.1/images/{id}",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, slow: true, recovered: 200},
		{name: "slow: delete is not retried", fault: slow(time.Minute), method: "DELETE", path: "/v2.1/images/{id}", write: true,
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 1, gets: 0, slow: true, recovered: 204},
		{name: "500: show", fault: status(500, 0), method: "GET", path: "/v2.1/images/{id}",
			status: 500, faultName: "computeFault", message: msgGlance500, calls: 1, gets: 1, recovered: 200},
		{name: "500: detail", fault: status(500, 0), method: "GET", path: "/v2.1/images/detail",
			status: 500, faultName: "computeFault", message: msgGlance500, calls: 1, gets: 1, recovered: 200},
		{name: "500: metadata POST, on the PATCH", fault: only("PATCH", status(500, 0)), method: "POST", path: "/v2.1/images/{id}/metadata", body: metadataPut, write: true,
			status: 500, faultName: "computeFault", message: msgGlance500, calls: 1, gets: 1, recovered: 200},
		{name: "503: show is retried once", fault: status(503, 0), method: "GET", path: "/v2.1/images/{id}",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
		{name: "503: detail is retried once", fault: status(503, 0), method: "GET", path: "/v2.1/images/detail",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
		{name: "503: metadata GET is retried once", fault: status(503, 0), method: "GET", path: "/v2.1/images/{id}/metadata",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
		{name: "503 once: the retry answers", fault: status(503, 1), method: "GET", path: "/v2.1/images/{id}",
			status: 200, calls: 2, gets: 2, recovered: 200},
		{name: "503: delete is not retried", fault: status(503, 0), method: "DELETE", path: "/v2.1/images/{id}", write: true,
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 1, gets: 0, recovered: 204},
		{name: "503: metadata PUT is not retried", fault: only("PATCH", status(503, 0)), method: "PUT", path: "/v2.1/images/{id}/metadata", body: metadataPut, write: true,
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 1, gets: 1, recovered: 200},
		{name: "truncated: show", fault: truncated(), method: "GET", path: "/v2.1/images/{id}",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
		{name: "truncated: detail", fault: truncated(), method: "GET", path: "/v2.1/images/detail",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
		{name: "not JSON: show", fault: notJSON("text/html"), method: "GET", path: "/v2.1/images/{id}",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
		{name: "not JSON: detail", fault: notJSON("text/html"), method: "GET", path: "/v2.1/images/detail",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
		{name: "not JSON, labelled JSON: detail", fault: notJSON("application/json"), method: "GET", path: "/v2.1/images/detail",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
		{name: "reset mid-body: show", fault: resetMidBody(), method: "GET", path: "/v2.1/images/{id}",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
		{name: "reset mid-body: detail", fault: resetMidBody(), method: "GET", path: "/v2.1/images/detail",
			status: 500, faultName: "computeFault", message: msgGlanceDown, calls: 2, gets: 2, recovered: 200},
	}
}

// glanceFaults is the set-up every case shares: gwy sees the faults, fresh
// (behind the same proxy, but only used while it passes through) gives
// the answers gwy must come back to.
type glanceFaults struct {
	px         *faultProxy
	gwy, fresh *faultGateway
	active     string
}

func startGlanceFaults(t *testing.T) *glanceFaults {
	t.Helper()
	px := newFaultProxy(t, world.glance)
	viaProxy := func(c *config.Config) {
		c.GlanceURL = px.URL
		c.UpstreamTimeout, c.RequestTimeout = glanceUpstreamTimeout, glanceRequestTimeout
	}
	gwy := startFaultGateway(t, viaProxy)
	fresh := startFaultGateway(t, viaProxy) // sees no fault: the reference answers

	active := imageID(t, "ref-active")
	show := "/v2.1/images/" + active
	warm, _ := timed(t, gwy.URL, "GET", show, "demo", "")
	require.Equal(t, 200, warm.Status, string(warm.Body))
	warm, _ = timed(t, fresh.URL, "GET", show, "demo", "")
	require.Equal(t, 200, warm.Status, string(warm.Body))
	return &glanceFaults{px: px, gwy: gwy, fresh: fresh, active: active}
}

func (e *glanceFaults) run(t *testing.T, tt glanceFaultCase) {
	id := e.active
	if tt.write {
		id = createImage(t, "demo", map[string]any{})
	}
	path := strings.ReplaceAll(tt.path, "{id}", id)

	e.px.inject(tt.fault)
	r, elapsed := timed(t, e.gwy.URL, tt.method, path, "demo", tt.body)
	t.Logf("FAULT glance | %s | %s %s | %d | %s | elapsed %s | faulted calls %d", tt.fault.name, tt.method, tt.path,
		r.Status, strings.ReplaceAll(string(r.Body), "\n", `\n`), elapsed.Round(10*time.Millisecond), e.px.faulted.Load())
	requireFaultAnswer(t, tt, r, elapsed)
	e.requireUpstreamSeen(t, tt, id)

	// Glance is back: the same gateway answers as one that never saw a fault
	e.px.pass()
	e.requireRecovered(t, tt, id, path)
}

// requireFaultAnswer checks what the client got while Glance failed, and
// when.
func requireFaultAnswer(t *testing.T, tt glanceFaultCase, r resp, elapsed time.Duration) {
	if tt.faultName != "" {
		requireNovaFault(t, r, tt.status, tt.faultName, tt.message)
	} else {
		require.Equal(t, tt.status, r.Status, string(r.Body))
	}
	require.Less(t, elapsed, glanceRequestTimeout+glanceMargin, "answered within request_timeout")
	if tt.slow {
		require.GreaterOrEqual(t, elapsed, glanceUpstreamTimeout, "waited for upstream_timeout")
		if tt.method != "GET" { // one attempt: ended by upstream_timeout, not by the request deadline
			require.Less(t, elapsed, glanceRequestTimeout)
		}
	}
}

// requireUpstreamSeen checks what reached Glance while it failed (retries,
// writes) and what /readyz made of it.
func (e *glanceFaults) requireUpstreamSeen(t *testing.T, tt glanceFaultCase, id string) {
	if tt.calls >= 0 {
		require.Equal(t, tt.calls, e.px.faulted.Load(), "requests the fault was applied to")
	}
	if tt.gets >= 0 {
		require.Equal(t, tt.gets, e.px.requests("GET"), "Glance GETs")
	}
	if tt.ready {
		rr, _ := timed(t, e.gwy.ops.URL, "GET", "/readyz", "", "")
		require.Equal(t, 503, rr.Status, string(rr.Body))
		require.Equal(t, "unreachable", rr.JSON(t)["glance_status"])
	}
	if tt.write {
		// the write never reached Glance: the image is unchanged
		g := do(t, world.glance, "GET", "/v2/images/"+id, "demo", nil, "")
		require.Equal(t, 200, g.Status, string(g.Body))
		require.NotContains(t, g.JSON(t), "fault")
	}
}

// requireRecovered sends the case's request again once Glance is back and
// compares gwy with the gateway that never saw a fault.
func (e *glanceFaults) requireRecovered(t *testing.T, tt glanceFaultCase, id, path string) {
	r, _ := timed(t, e.gwy.URL, tt.method, path, "demo", tt.body)
	require.Equal(t, tt.recovered, r.Status, string(r.Body))
	check := path
	if tt.method != "GET" {
		check = "/v2.1/images/" + id
	}
	got, _ := timed(t, e.gwy.URL, "GET", check, "demo", "")
	want, _ := timed(t, e.fresh.URL, "GET", check, "demo", "")
	require.Equal(t, want.Status, got.Status)
	require.Equal(t, string(want.Body), string(got.Body))
	if tt.method == "GET" {
		require.Equal(t, string(want.Body), string(r.Body))
	}
}
