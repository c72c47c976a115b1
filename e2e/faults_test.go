//go:build e2e

package e2e

// Upstream faults through the real Glance and Keystone: a fault-injecting
// loopback proxy written here sits in front of each (glance_url and
// keystone_url point an in-process imagegw at it) and refuses connections,
// answers too late, answers 5xx, cuts or garbles real answers, or resets
// the connection mid-body. Each fault must give the client Nova's answer
// within the configured timeouts, the same imagegw must answer normally
// once the upstream is back, and no goroutine or upstream connection may
// be left behind.

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy"
)

// What imagegw answers (translate.Unexpected, translate.FaultName and the
// auth middleware's 503), written out so a change shows here.
const (
	msgUnexpected = "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n"
	msgGlanceDown = msgUnexpected + "<class 'nova.exception.GlanceConnectionFailed'>"
	msgGlance500  = msgUnexpected + "<class 'glanceclient.exc.HTTPInternalServerError'>"
	msgKeystone   = "The server is currently unavailable. Please try again at a later time."
	// publicBase makes links identical across gateways (their hosts differ).
	publicBase = "http://imagegw.test"
)

// ---- the fault-injecting proxy ----

// injection is one fault. refused closes the proxy's listener; otherwise
// serve answers the requests match selects (nil: all) and the others are
// forwarded to the real service.
type injection struct {
	name    string
	refused bool
	match   func(*http.Request) bool
	serve   func(p *faultProxy, n int64, w http.ResponseWriter, r *http.Request)
}

// faultProxy forwards to a real service or injects a fault. It counts the
// requests it received per method, those it applied the fault to, and the
// connections it accepted and has not closed yet.
type faultProxy struct {
	t         *testing.T
	addr      string
	URL       string
	rp        *httputil.ReverseProxy
	transport *http.Transport // to the real service

	mu       sync.Mutex
	fault    *injection
	byMethod map[string]int64
	srv      *http.Server // nil while refusing
	faulted  atomic.Int64
	open     atomic.Int64
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	u.Path = "" // forward paths as they come
	tr := http.DefaultTransport.(*http.Transport).Clone()
	p := &faultProxy{t: t, transport: tr, byMethod: map[string]int64{}}
	p.rp = &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		Transport: tr,
		ErrorLog:  log.New(io.Discard, "", 0), // callers giving up are expected here
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p.addr = l.Addr().String()
	p.URL = "http://" + p.addr
	p.serve(l)
	t.Cleanup(func() {
		p.mu.Lock()
		srv := p.srv
		p.srv = nil
		p.mu.Unlock()
		if srv != nil {
			_ = srv.Close()
		}
		tr.CloseIdleConnections()
	})
	return p
}

func (p *faultProxy) serve(l net.Listener) {
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}
	p.srv = srv
	go func() { _ = srv.Serve(&countingListener{Listener: l, open: &p.open}) }()
}

// inject switches to a fault (nil: pass through) and resets the counters.
func (p *faultProxy) inject(f *injection) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = f
	p.byMethod = map[string]int64{}
	p.faulted.Store(0)
	switch {
	case f != nil && f.refused && p.srv != nil:
		_ = p.srv.Close() // listener and connections closed: connection refused
		p.srv = nil
	case (f == nil || !f.refused) && p.srv == nil:
		l, err := net.Listen("tcp", p.addr) // the same port again
		require.NoError(p.t, err)
		p.serve(l)
	}
}

func (p *faultProxy) pass() { p.inject(nil) }

func (p *faultProxy) requests(method string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byMethod[method]
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.byMethod[r.Method]++
	f := p.fault
	p.mu.Unlock()
	if f == nil || f.serve == nil || (f.match != nil && !f.match(r)) {
		p.rp.ServeHTTP(w, r)
		return
	}
	f.serve(p, p.faulted.Add(1), w, r)
}

// forwardRecorded gets the real service's answer without sending it.
func (p *faultProxy) forwardRecorded(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	p.rp.ServeHTTP(rec, r)
	return rec
}

type countingListener struct {
	net.Listener
	open *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	return &countedConn{Conn: c, open: l.open}, nil
}

type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// SetLinger 0 makes Close send a RST (connection reset by peer).
func (c *countedConn) SetLinger(sec int) error {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		return tc.SetLinger(sec)
	}
	return nil
}

// ---- the faults ----

func refused() *injection { return &injection{name: "connection refused", refused: true} }

// slow forwards after d, unless the caller gave up first.
func slow(d time.Duration) *injection {
	return &injection{name: fmt.Sprintf("no answer for %s", d), serve: func(p *faultProxy, _ int64, w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			p.rp.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}}
}

// status answers code with an HTML page (as a load balancer would); first
// > 0 limits it to the first that many requests, the others are forwarded.
func status(code int, first int64) *injection {
	name := fmt.Sprintf("%d", code)
	if first > 0 {
		name = fmt.Sprintf("%d once, then the real answer", code)
	}
	return &injection{name: name, serve: func(p *faultProxy, n int64, w http.ResponseWriter, r *http.Request) {
		if first > 0 && n > first {
			p.rp.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", code, http.StatusText(code))
	}}
}

// truncated sends the first half of the real answer, correctly framed
// (Content-Length of the half): the body is cut JSON.
func truncated() *injection {
	return &injection{name: "real answer cut in half", serve: func(p *faultProxy, _ int64, w http.ResponseWriter, r *http.Request) {
		rec := p.forwardRecorded(r)
		half := rec.Body.Bytes()[:rec.Body.Len()/2]
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(half)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(half)
	}}
}

// notJSON answers 200 with a body that is not JSON, of the given type.
func notJSON(contentType string) *injection {
	return &injection{name: "200, not JSON (" + contentType + ")", serve: func(_ *faultProxy, _ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html><body>upstream maintenance</body></html>\n"))
	}}
}

// resetMidBody sends the real answer's head (full Content-Length) and half
// of its body, then resets the connection.
func resetMidBody() *injection {
	return &injection{name: "connection reset mid-body", serve: func(p *faultProxy, _ int64, w http.ResponseWriter, r *http.Request) {
		rec := p.forwardRecorded(r)
		body := rec.Body.Bytes()
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			rec.Code, http.StatusText(rec.Code), rec.Header().Get("Content-Type"), len(body))
		_, _ = buf.Write(body[:len(body)/2])
		_ = buf.Flush()
		if l, ok := conn.(interface{ SetLinger(int) error }); ok {
			_ = l.SetLinger(0)
		}
		_ = conn.Close()
	}}
}

// only limits a fault to requests of one method.
func only(method string, f *injection) *injection {
	f.name += " on " + method
	f.match = func(r *http.Request) bool { return r.Method == method }
	return f
}

// ---- the gateway ----

// faultGateway is imagegw wired as cmd/imagegw wires it (retry backoff,
// readiness probe), with its own upstream transport so its idle
// connections can be closed when counting.
type faultGateway struct {
	*httptest.Server
	ops       *httptest.Server // the operator listener (/readyz with details)
	cfg       config.Config
	transport *http.Transport
}

func startFaultGateway(t *testing.T, mutate func(*config.Config)) *faultGateway {
	t.Helper()
	cfg := config.Defaults()
	cfg.Cloud = "imagegw"
	uncached(&cfg)        // every request reaches Glance
	cfg.ReadyCacheTTL = 0 // /readyz probes now, not 2 s ago
	cfg.PublicURL = publicBase
	mutate(&cfg)
	require.NoError(t, cfg.Validate())
	hc := proxy.NewUpstreamClient(cfg.UpstreamTimeout) // as the binary's
	tr := hc.Transport.(*http.Transport)
	srv, err := buildGateway(cfg, hc)
	require.NoError(t, err)
	g := &faultGateway{Server: httptest.NewServer(srv), ops: httptest.NewServer(srv.OperatorHandler()), cfg: cfg, transport: tr}
	t.Cleanup(func() {
		g.Close()
		g.ops.Close()
		tr.CloseIdleConnections()
	})
	return g
}

// faultClient sends the test's requests; bounded, with its own pool.
var faultClient = &http.Client{Timeout: 60 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}

// timed sends one request to a gateway and measures the answer's time.
func timed(t *testing.T, base, method, path, user, body string) (resp, time.Duration) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(t, err)
	if user != "" {
		req.Header.Set("X-Auth-Token", world.tokens[user])
	}
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	res, err := faultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(res.Body)
	require.NoError(t, err)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b.Bytes()}, time.Since(start)
}

// requireNovaFault checks Nova's fault body: {"<fault>": {"code", "message"}}.
func requireNovaFault(t *testing.T, r resp, status int, faultName, message string) {
	t.Helper()
	require.Equal(t, status, r.Status, string(r.Body))
	require.Equal(t, "application/json; charset=UTF-8", r.Header.Get("Content-Type"))
	body := r.JSON(t)
	require.Len(t, body, 1, string(r.Body))
	f, ok := body[faultName].(map[string]any)
	require.True(t, ok, "fault %q in %s", faultName, r.Body)
	require.Equal(t, float64(status), f["code"])
	require.Equal(t, message, f["message"])
}

// ---- leak accounting ----

// liveGoroutines counts goroutines other than go-cache janitors (one per
// cache, stopped only when the cache is collected), as proxy's
// requestGoroutines does.
func liveGoroutines() int {
	buf := make([]byte, 4<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "go-cache.(*janitor)") && !strings.Contains(g, "go-cache.runJanitor") {
			n++
		}
	}
	return n
}

func allStacks() string {
	buf := make([]byte, 4<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// leakCheck closes every idle pool involved, waits for the goroutine count
// to settle and returns a check to run at the end: the count must come
// back to this baseline and the proxies must hold no open connection.
func leakCheck(t *testing.T, gateways []*faultGateway, proxies []*faultProxy) func() {
	t.Helper()
	closeIdle := func() {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		faultClient.Transport.(*http.Transport).CloseIdleConnections()
		for _, g := range gateways {
			g.transport.CloseIdleConnections()
		}
		for _, p := range proxies {
			p.transport.CloseIdleConnections()
		}
	}
	openConns := func() (n int64) {
		for _, p := range proxies {
			n += p.open.Load()
		}
		return n
	}
	settle := func() int {
		last := -1
		for i := 0; i < 100; i++ {
			closeIdle()
			n := liveGoroutines()
			if n == last && openConns() == 0 {
				return n
			}
			last = n
			time.Sleep(100 * time.Millisecond)
		}
		return last
	}
	before := settle()
	require.Zero(t, openConns(), "proxies hold no connection once the pools are idle")
	return func() {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			closeIdle()
			n, open := liveGoroutines(), openConns()
			if n <= before && open == 0 {
				t.Logf("goroutines: %d before, %d after; open upstream connections: %d", before, n, open)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("leak: goroutines %d before, %d after; %d upstream connections still open\n%s", before, n, open, allStacks())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// ---- Glance ----

// TestGlanceFaults puts the fault proxy in front of the real Glance.
// upstream_timeout 2 s and request_timeout 4 s: a read that gets no answer
// is tried twice (2 s, the 200 ms backoff, then cut at 4 s by the request
// deadline); a write once.
func TestGlanceFaults(t *testing.T) {
	const (
		upstreamTimeout = 2 * time.Second
		requestTimeout  = 4 * time.Second
		margin          = 3 * time.Second // a loaded 2-core machine
	)
	px := newFaultProxy(t, world.glance)
	viaProxy := func(c *config.Config) {
		c.GlanceURL = px.URL
		c.UpstreamTimeout, c.RequestTimeout = upstreamTimeout, requestTimeout
	}
	gwy := startFaultGateway(t, viaProxy)
	fresh := startFaultGateway(t, viaProxy) // sees no fault: the reference answers

	active := imageID(t, "ref-active")
	show := "/v2.1/images/" + active
	warm, _ := timed(t, gwy.URL, "GET", show, "demo", "")
	require.Equal(t, 200, warm.Status, string(warm.Body))
	warm, _ = timed(t, fresh.URL, "GET", show, "demo", "")
	require.Equal(t, 200, warm.Status, string(warm.Body))
	checkLeaks := leakCheck(t, []*faultGateway{gwy, fresh}, []*faultProxy{px})

	metadataPut := `{"metadata": {"fault": "injected"}}`
	tests := []struct {
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
	}{
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := active
			if tt.write {
				id = createImage(t, "demo", map[string]any{})
			}
			path := strings.ReplaceAll(tt.path, "{id}", id)

			px.inject(tt.fault)
			r, elapsed := timed(t, gwy.URL, tt.method, path, "demo", tt.body)
			t.Logf("FAULT glance | %s | %s %s | %d | %s | elapsed %s | faulted calls %d", tt.fault.name, tt.method, tt.path,
				r.Status, strings.ReplaceAll(string(r.Body), "\n", `\n`), elapsed.Round(10*time.Millisecond), px.faulted.Load())
			if tt.faultName != "" {
				requireNovaFault(t, r, tt.status, tt.faultName, tt.message)
			} else {
				require.Equal(t, tt.status, r.Status, string(r.Body))
			}
			require.Less(t, elapsed, requestTimeout+margin, "answered within request_timeout")
			if tt.slow {
				require.GreaterOrEqual(t, elapsed, upstreamTimeout, "waited for upstream_timeout")
				if tt.method != "GET" { // one attempt: ended by upstream_timeout, not by the request deadline
					require.Less(t, elapsed, requestTimeout)
				}
			}
			if tt.calls >= 0 {
				require.Equal(t, tt.calls, px.faulted.Load(), "requests the fault was applied to")
			}
			if tt.gets >= 0 {
				require.Equal(t, tt.gets, px.requests("GET"), "Glance GETs")
			}
			if tt.ready {
				rr, _ := timed(t, gwy.ops.URL, "GET", "/readyz", "", "")
				require.Equal(t, 503, rr.Status, string(rr.Body))
				require.Equal(t, "unreachable", rr.JSON(t)["glance_status"])
			}
			if tt.write {
				// the write never reached Glance: the image is unchanged
				g := do(t, world.glance, "GET", "/v2/images/"+id, "demo", nil, "")
				require.Equal(t, 200, g.Status, string(g.Body))
				require.NotContains(t, g.JSON(t), "fault")
			}

			// Glance is back: the same gateway answers as one that never saw a fault
			px.pass()
			r, _ = timed(t, gwy.URL, tt.method, path, "demo", tt.body)
			require.Equal(t, tt.recovered, r.Status, string(r.Body))
			check := path
			if tt.method != "GET" {
				check = "/v2.1/images/" + id
			}
			got, _ := timed(t, gwy.URL, "GET", check, "demo", "")
			want, _ := timed(t, fresh.URL, "GET", check, "demo", "")
			require.Equal(t, want.Status, got.Status)
			require.Equal(t, string(want.Body), string(got.Body))
			if tt.method == "GET" {
				require.Equal(t, string(want.Body), string(r.Body))
			}
		})
	}
	px.pass()
	rr, _ := timed(t, gwy.ops.URL, "GET", "/readyz", "", "")
	require.Equal(t, 200, rr.Status, string(rr.Body))
	checkLeaks()
}

// ---- Keystone ----

// TestKeystoneFaults puts the fault proxy in front of the real Keystone as
// keystone_url (imagegw's service user still authenticates at auth_url):
// with token caching off every request validates its token there, and a
// Keystone that fails for any reason but the token gives Nova's 503 (as
// keystonemiddleware does), within upstream_timeout, never retried.
func TestKeystoneFaults(t *testing.T) {
	const (
		upstreamTimeout = 3 * time.Second // Keystone takes up to ~1 s per validation here
		requestTimeout  = 8 * time.Second // longer: a slow Keystone must be cut by upstream_timeout
		margin          = 3 * time.Second
	)
	px := newFaultProxy(t, world.keystone)
	gwy := startFaultGateway(t, func(c *config.Config) {
		c.KeystoneURL = px.URL + "/v3"
		// every request validates at Keystone, and a token Keystone once
		// called unknown (the 404 case) is asked again when it is back
		// (TestInvalidTokenValidatedOnce covers remembering it)
		c.TokenCacheTTL, c.InvalidTokenCacheTTL = 0, 0
		c.UpstreamTimeout, c.RequestTimeout = upstreamTimeout, requestTimeout
	})
	fresh := startFaultGateway(t, func(c *config.Config) {}) // catalog's Keystone, cached tokens
	show := "/v2.1/images/" + imageID(t, "ref-active")
	want, _ := timed(t, fresh.URL, "GET", show, "demo", "")
	require.Equal(t, 200, want.Status, string(want.Body))
	r, _ := timed(t, gwy.URL, "GET", show, "demo", "")
	require.Equal(t, 200, r.Status, string(r.Body))
	require.EqualValues(t, 1, px.requests("GET"), "the token was validated at keystone_url")
	checkLeaks := leakCheck(t, []*faultGateway{gwy, fresh}, []*faultProxy{px})

	tests := []struct {
		name      string
		fault     *injection
		status    int
		faultName string // "": Keystone's 401 body instead of a Nova fault
		message   string
		calls     int64 // validations the fault answered (-1: refused)
		slow      bool
		ready     bool // also check /readyz (503, keystone unreachable)
	}{
		{"refused", refused(), 503, "serviceUnavailable", msgKeystone, -1, false, true},
		{"slow", validationOnly(slow(time.Minute)), 503, "serviceUnavailable", msgKeystone, 1, true, false},
		{"500", validationOnly(status(500, 0)), 503, "serviceUnavailable", msgKeystone, 1, false, false},
		{"503 (not retried)", validationOnly(status(503, 0)), 503, "serviceUnavailable", msgKeystone, 1, false, false},
		{"truncated", validationOnly(truncated()), 503, "serviceUnavailable", msgKeystone, 1, false, false},
		{"not JSON", validationOnly(notJSON("text/html")), 503, "serviceUnavailable", msgKeystone, 1, false, false},
		{"reset mid-body", validationOnly(resetMidBody()), 503, "serviceUnavailable", msgKeystone, 1, false, false},
		// the contrast: Keystone does not know the token (404) is the caller's fault
		{"404: token unknown", validationOnly(status(404, 0)), 401, "", "The request you have made requires authentication.", 1, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px.inject(tt.fault)
			r, elapsed := timed(t, gwy.URL, "GET", show, "demo", "")
			t.Logf("FAULT keystone | %s | GET /v2.1/images/{id} | %d | %s | elapsed %s | faulted calls %d", tt.fault.name,
				r.Status, string(r.Body), elapsed.Round(10*time.Millisecond), px.faulted.Load())
			if tt.faultName != "" {
				requireNovaFault(t, r, tt.status, tt.faultName, tt.message)
			} else {
				require.Equal(t, tt.status, r.Status, string(r.Body))
				require.Equal(t, tt.message, r.JSON(t)["error"].(map[string]any)["message"])
				require.Equal(t, `Keystone uri="`+strings.TrimSuffix(world.keystone, "/v3")+`"`, r.Header.Get("WWW-Authenticate"),
					"clients are sent to auth_url, not to keystone_url")
			}
			require.Less(t, elapsed, upstreamTimeout+margin, "answered within upstream_timeout")
			require.Less(t, elapsed, requestTimeout, "not by the request deadline")
			if tt.slow {
				require.GreaterOrEqual(t, elapsed, upstreamTimeout, "waited for upstream_timeout")
			}
			if tt.calls >= 0 {
				require.Equal(t, tt.calls, px.faulted.Load(), "validations the fault answered")
			}
			if tt.ready {
				rr, _ := timed(t, gwy.ops.URL, "GET", "/readyz", "", "")
				require.Equal(t, 503, rr.Status, string(rr.Body))
				require.Equal(t, "unreachable", rr.JSON(t)["keystone_status"])
			}

			px.pass() // Keystone is back
			r, _ = timed(t, gwy.URL, "GET", show, "demo", "")
			require.Equal(t, 200, r.Status, string(r.Body))
			require.Equal(t, string(want.Body), string(r.Body))
		})
	}
	checkLeaks()
}

// TestKeystoneFaultCachedTokens: with token caching on, a token validated
// before Keystone went away keeps working (until its cache entry expires)
// while an uncached one gets the 503.
func TestKeystoneFaultCachedTokens(t *testing.T) {
	px := newFaultProxy(t, world.keystone)
	gwy := startFaultGateway(t, func(c *config.Config) {
		c.KeystoneURL = px.URL + "/v3"
		c.UpstreamTimeout, c.RequestTimeout = 3*time.Second, 5*time.Second
	})
	show := "/v2.1/images/" + imageID(t, "ref-admin-public") // both users see it
	for _, tt := range []struct {
		name   string
		fault  *injection
		user   string
		status int
		calls  int64 // validations reaching the proxy
	}{
		{"demo validated", nil, "demo", 200, 1},
		{"Keystone down: demo served from the token cache", refused(), "demo", 200, 0},
		{"Keystone down: alt not cached", refused(), "alt", 503, 0},
		{"Keystone answers 500: alt", validationOnly(status(500, 0)), "alt", 503, 1},
		{"Keystone back: alt validated", nil, "alt", 200, 1},
		{"Keystone back: demo still cached", nil, "demo", 200, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			px.inject(tt.fault)
			r, _ := timed(t, gwy.URL, "GET", show, tt.user, "")
			require.Equal(t, tt.status, r.Status, string(r.Body))
			if tt.status == 503 {
				requireNovaFault(t, r, 503, "serviceUnavailable", msgKeystone)
			}
			require.Equal(t, tt.calls, px.requests("GET"), "validations at keystone_url")
		})
	}
}

// validationOnly limits a fault to token validations (GET /v3/auth/tokens).
func validationOnly(f *injection) *injection {
	f.match = func(r *http.Request) bool { return r.URL.Path == "/v3/auth/tokens" && r.Method == "GET" }
	return f
}
