package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/translate"
)

// countingProbe counts upstream probes; fail makes them fail.
type countingProbe struct {
	calls atomic.Int64
	fail  atomic.Bool
}

func (p *countingProbe) Ready(context.Context) (map[string]any, error) {
	p.calls.Add(1)
	time.Sleep(20 * time.Millisecond)
	info := map[string]any{"glance_endpoint": "http://glance.internal:9292", "glance_status": "ok"}
	if p.fail.Load() {
		info["glance_status"] = "unreachable"
		return info, errors.New("glance: HTTP 503")
	}
	return info, nil
}

// Issue 14, item 6: /readyz probes at most once per ready_cache_ttl and
// tells the public only ready or not; the operator listener has details.
func TestReadyzIsCachedAndTerse(t *testing.T) {
	probe := &countingProbe{}
	cfg := config.Defaults()
	cfg.ReadyCacheTTL = time.Hour
	require.NoError(t, cfg.Resolve())
	s := mustNew(t, Deps{Config: cfg, Tokens: fakeTokens{}, Glance: &upstream.GophercloudGlance{HTTPClient: http.DefaultClient}, Ready: probe})
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := get(s, "GET", "/readyz", "", "")
			require.Equal(t, 200, r.Code)
			require.JSONEq(t, `{"status": "ok"}`, r.Body.String())
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, probe.calls.Load(), "50 callers, one probe")
	details := get(s.OperatorHandler(), "GET", "/readyz", "", "")
	require.Equal(t, 200, details.Code)
	require.Contains(t, details.Body.String(), "glance.internal")
	require.EqualValues(t, 1, probe.calls.Load())

	probe.fail.Store(true)
	s.ready.ttl = 0 // every call probes again
	r := get(s, "GET", "/readyz", "", "")
	require.Equal(t, 503, r.Code)
	require.JSONEq(t, `{"status": "unavailable"}`, r.Body.String())
	details = get(s.OperatorHandler(), "GET", "/readyz", "", "")
	require.Equal(t, 503, details.Code)
	require.Contains(t, details.Body.String(), `"glance_status":"unreachable"`)
	require.Contains(t, details.Body.String(), "HTTP 503")
}

// Issue 14, extra: load balancers probe with HEAD.
func TestHeadHealthAndReadiness(t *testing.T) {
	s, _ := newTestServer(t, nil)
	for _, h := range []http.Handler{s, s.OperatorHandler()} {
		for _, p := range []string{"/healthz", "/readyz"} {
			r := get(h, "HEAD", p, "", "")
			require.Equal(t, 200, r.Code, p)
			require.Empty(t, r.Body.String(), p)
		}
	}
}

// Issue 14, item 7: a request cut short by the end of shutdown_grace is
// Nova's 503, not a bare close.
func TestShutdownAnswers503(t *testing.T) {
	s, fg := newTestServer(t, nil)
	// Glance never answers (the shared fill's call is detached from the
	// request: it ends with the test)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	fg.Fault = func(_ int64, _ http.ResponseWriter, r *http.Request) bool {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
		return true
	}
	base, cancel := context.WithCancelCause(context.Background())
	req := newReq("GET", "/v2.1/images/a1", "ta").WithContext(base)
	rec := newRec()
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel(ErrShuttingDown)
	}()
	s.ServeHTTP(rec, req)
	require.Equal(t, 503, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"serviceUnavailable": {"code": 503, "message": "`+msgUnavailable+`"}}`, rec.Body.String())
	require.Equal(t, "close", rec.Header().Get("Connection"))

	// a client that goes away is still nobody's answer (499)
	gone, leave := context.WithCancel(context.Background())
	req = newReq("GET", "/v2.1/images/a1", "ta").WithContext(gone)
	rec = newRec()
	go func() { time.Sleep(20 * time.Millisecond); leave() }()
	s.ServeHTTP(rec, req)
	require.Equal(t, 499, rec.Code)
}

// timeoutReader fails as a request body whose client stopped sending.
type timeoutReader struct{}

func (timeoutReader) Read([]byte) (int, error) { return 0, timeoutErr{} }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

// Issue 14, item 5: a body that stops arriving is the client's fault.
func TestBodyReadFailuresAreClientErrors(t *testing.T) {
	s, fg := newTestServer(t, nil)
	for _, tc := range []struct {
		body   io.Reader
		status int
		fault  string
	}{
		{io.MultiReader(strings.NewReader(`{"meta`), timeoutReader{}), 408, `{"computeFault": {"code": 408, "message": "` + translate.MsgRequestTimeout + `"}}`},
		{io.MultiReader(strings.NewReader(`{"meta`), iotestErr{io.ErrUnexpectedEOF}), 400, `{"badRequest": {"code": 400, "message": "Malformed request body"}}`},
	} {
		req := httptest.NewRequest("POST", "/v2.1/images/a1/metadata", tc.body)
		req.ContentLength = 30
		req.Header.Set("X-Auth-Token", "ta")
		req.Header.Set("Content-Type", "application/json")
		rec := newRec()
		s.ServeHTTP(rec, req)
		require.Equal(t, tc.status, rec.Code, rec.Body.String())
		require.JSONEq(t, tc.fault, rec.Body.String())
		require.Equal(t, "close", rec.Header().Get("Connection"))
	}
	require.Zero(t, fg.Calls.Load())
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

// Issue 14, item 5: without a token the 401 leaves at once, while the
// client is still sending its body, and the connection is closed.
func TestUnauthorizedDoesNotWaitForTheBody(t *testing.T) {
	s, _ := newTestServer(t, nil)
	ts := httptest.NewUnstartedServer(s)
	ts.Config.ReadTimeout = 30 * time.Second
	ts.Start()
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprint(conn, "POST /v2.1/images/a1/metadata HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"+
		"Content-Length: 30\r\n\r\n{\"metadata\"")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	require.NoError(t, err, "answered before the body ends (read_timeout is 30 s)")
	require.Equal(t, 401, res.StatusCode)
	require.True(t, res.Close, "the connection is closed")
	_, _ = io.Copy(io.Discard, res.Body)
	_, err = br.ReadByte()
	require.Error(t, err, "closed by the server, not by the 10 s deadline of this test")
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "closed before the test's read deadline: %v", err)
}

// Issue 14, extra: a token without a catalog (unscoped, no default
// project) is Nova's 500 EmptyCatalog, one without an image endpoint
// EndpointNotFound.
func TestTokenWithoutImageEndpoint(t *testing.T) {
	noCatalog := &upstream.Identity{UserID: "u", ExpiresAt: time.Now().Add(time.Hour)}
	noImage := identity("pa", "member")
	noImage.Catalog = noImage.Catalog[:0:0]
	noImage.Catalog = append(noImage.Catalog, identity("pa").Catalog...)
	noImage.Catalog[0].Type = "compute"
	cfg := config.Defaults()
	require.NoError(t, cfg.Resolve())
	s := mustNew(t, Deps{Config: cfg, Glance: &upstream.GophercloudGlance{HTTPClient: http.DefaultClient},
		Tokens: fakeTokens{"none": noCatalog, "noimage": noImage}})
	for tok, class := range map[string]string{"none": "EmptyCatalog", "noimage": "EndpointNotFound"} {
		r := get(s, "GET", "/v2.1/images", tok, "")
		require.Equal(t, 500, r.Code)
		name, msg := faultBody(t, r)
		require.Equal(t, "computeFault", name)
		require.Equal(t, fmt.Sprintf(translate.MsgUnexpected, "keystoneauth1.exceptions.catalog."+class), msg)
	}
}

// Issue 14, extra: a request URI longer than max_url_length is 414 as on
// Nova's eventlet server, as long as the request head fits in
// max_header_bytes; beyond that Go's server answers 431 before imagegw
// sees the request (README: Operations). Both close the connection.
func TestLongURIAnswers(t *testing.T) {
	s, _ := newTestServer(t, nil)
	ts := httptest.NewUnstartedServer(s)
	ts.Config.MaxHeaderBytes = s.cfg.MaxHeaderBytes // as cmd/imagegw
	ts.Start()
	defer ts.Close()
	for _, tc := range []struct{ n, status int }{
		{8000, 401}, // within max_url_length: routed (no token)
		{9000, 414},
		{60 << 10, 414},
		{70 << 10, 431},
	} {
		res, err := http.Get(ts.URL + "/v2.1/images?name=" + strings.Repeat("a", tc.n))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		require.Equal(t, tc.status, res.StatusCode, "URI of %d bytes", tc.n)
	}
}
