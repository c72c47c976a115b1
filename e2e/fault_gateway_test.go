//go:build e2e

package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
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
	require.NoError(t, cfg.Resolve())
	hc := upstream.NewUpstreamClient(cfg.UpstreamTimeout) // as the binary's
	tr := hc.Transport.(*http.Transport)
	srv, err := buildGateway(cfg, hc)
	require.NoError(t, err)
	g := &faultGateway{Server: httptest.NewServer(srv), ops: httptest.NewServer(srv.OperatorHandler()), cfg: cfg, transport: tr}
	t.Cleanup(func() {
		g.Close()
		g.ops.Close()
		srv.Close() // its notification subscriber, if any
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
