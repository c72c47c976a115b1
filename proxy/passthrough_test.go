package proxy

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/proxy/upstream/upstreamtest"
)

// newNovaServer is newTestServer in front of a fake nova-api.
func newNovaServer(t testing.TB, mutate func(*config.Config)) (*Server, *upstreamtest.Nova) {
	t.Helper()
	fn := upstreamtest.NewNova(t)
	s, _ := newTestServer(t, func(c *config.Config) {
		c.NovaURL, c.NovaVersionsInterval, c.UpstreamTimeout = fn.URL, 20*time.Millisecond, 300*time.Millisecond
		if mutate != nil {
			mutate(c)
		}
	})
	s.ready = &readiness{probe: &countingProbe{}}
	n, err := upstream.NewNova(fn.URL, s.cfg.UpstreamTimeout)
	require.NoError(t, err)
	s.frontNova(s.fronts[0], n)
	t.Cleanup(s.Close)
	return s, fn
}

// What imagegw answers itself in front of Nova: the image proxy paths,
// whatever the method, and its operator endpoints; the rest is Nova's.
func TestServedHere(t *testing.T) {
	s, _ := newNovaServer(t, nil)
	for path, here := range map[string]bool{
		"/v2.1/images": true, "/v2.1/images/detail": true, "/v2/images/x/metadata/k": true,
		"/v2.1/0123abcd/images": true, "/v2.1//images": true, "/healthz": true, "/readyz": true,
		"/v2.1/servers/images": false, // a server named "images": Nova's route
		"/v2.1/flavors":        false, "/v2.1/0123abcd/servers": false, "/v2.1/imagesx": false,
		"/": false, "/v2.1": false, "/v2.1/": false, "/v2": false, "/v2.1/versions/v2.1": false,
		"/metrics": false, "/migration": false, // on the operator listener (the default)
	} {
		require.Equal(t, here, s.servedHere(path), path)
	}
}

// A pass-through reaches Nova as it came (method, path, query, body,
// token, both microversion headers, the client's Host for Nova's links)
// and Nova's answer comes back unchanged: status, its request id, its
// version headers, Location, body.
func TestPassThroughIsUnchangedBothWays(t *testing.T) {
	s, fn := newNovaServer(t, nil)
	req := httptest.NewRequest("POST", "/v2.1/os-keypairs?a=1&b=%2F", strings.NewReader(`{"keypair": {"name": "k"}}`))
	req.Host = "gw.test"
	req.Header.Set("X-Auth-Token", "ta")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("OpenStack-API-Version", "compute 2.42")
	req.Header.Set("X-OpenStack-Nova-API-Version", "2.42")
	req.Header.Set("X-OpenStack-Request-Id", "req-from-the-client")
	rec := newRec()
	s.ServeHTTP(rec, req)

	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Equal(t, upstreamtest.NovaRequestID, rec.Header().Get("X-Openstack-Request-Id"), "Nova's id, not imagegw's")
	require.Len(t, rec.Header().Values("X-Openstack-Request-Id"), 1)
	require.Equal(t, "compute 2.42", rec.Header().Get("OpenStack-API-Version"))
	require.Equal(t, "http://gw.test/v2.1/os-keypairs/1", rec.Header().Get("Location"))
	var seen upstreamtest.Seen
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &seen))
	require.Equal(t, "POST", seen.Method)
	require.Equal(t, "/v2.1/os-keypairs", seen.Path)
	require.Equal(t, "a=1&b=%2F", seen.Query)
	require.Equal(t, `{"keypair": {"name": "k"}}`, seen.Body)
	require.Equal(t, "gw.test", seen.Host)
	require.Equal(t, "http://gw.test/v2.1/os-keypairs", seen.Link)
	for _, h := range []string{"X-Auth-Token", "Openstack-Api-Version", "X-Openstack-Nova-Api-Version", "X-Openstack-Request-Id", "Content-Type"} {
		require.Equal(t, req.Header.Values(h), seen.Header.Values(h), h)
	}
	require.Equal(t, []string{"gw.test"}, seen.Header.Values("X-Forwarded-Host"))
	require.EqualValues(t, 1, fn.Requests.Load(), "one request reached Nova")

	// the image routes stay imagegw's
	require.Equal(t, 200, get(s, "GET", "/v2.1/images/a1", "ta", "").Code)
	require.EqualValues(t, 1, fn.Requests.Load())
}

// public_url names the host, scheme and prefix Nova's links must carry.
func TestPassThroughNamesThePublicURL(t *testing.T) {
	s, _ := newNovaServer(t, func(c *config.Config) { c.PublicURL = "https://compute.example/nova" })
	rec := get(s, "GET", "/v2.1/flavors", "ta", "")
	var seen upstreamtest.Seen
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &seen))
	require.Equal(t, "compute.example", seen.Host)
	require.Equal(t, "https", seen.Header.Get("X-Forwarded-Proto"))
	require.Equal(t, "/nova", seen.Header.Get("X-Forwarded-Prefix"))
	require.Equal(t, "compute.example", seen.Header.Get("X-Forwarded-Host"))
}

// The served range is Nova's own: its max (not max_version's) is where
// "latest" lands and 406 starts, on the image routes too, and a change in
// Nova's document is followed.
func TestPassThroughServesNovasVersions(t *testing.T) {
	s, fn := newNovaServer(t, func(c *config.Config) { c.MaxVersion = "2.93" })
	fn.MaxVersion.Store("2.60")
	versioned := func(v string) *http.Response {
		req := newReq("GET", "/v2.1/images", "ta")
		req.Header.Set("OpenStack-API-Version", "compute "+v)
		rec := newRec()
		s.ServeHTTP(rec, req)
		return rec.Result()
	}
	require.Eventually(t, func() bool { return versioned("2.61").StatusCode == http.StatusNotAcceptable }, 2*time.Second, 10*time.Millisecond)
	r := versioned("latest")
	require.Equal(t, http.StatusNotFound, r.StatusCode, "latest is 2.60: above the image routes")
	require.Equal(t, "compute 2.60", r.Header.Get("OpenStack-API-Version"))
	require.Equal(t, http.StatusOK, versioned("2.35").StatusCode)
	fn.MaxVersion.Store("2.95")
	require.Eventually(t, func() bool { return versioned("2.95").StatusCode == http.StatusNotFound }, 2*time.Second, 10*time.Millisecond)
}

// Nova down, or not answering within upstream_timeout: the pass-through
// answers the load balancer's status as a Nova fault, in time; the image
// routes go on; /readyz shows Nova down, then up once it answers again.
func TestPassThroughWhenNovaFails(t *testing.T) {
	s, fn := newNovaServer(t, nil)
	fn.Delay.Store(int64(2 * time.Second))
	start := time.Now()
	rec := get(s, "GET", "/v2.1/flavors", "ta", "")
	require.Less(t, time.Since(start), time.Second, "bounded by upstream_timeout (300 ms)")
	require.Equal(t, http.StatusGatewayTimeout, rec.Code)
	require.JSONEq(t, `{"computeFault": {"code": 504, "message": "The gateway has timed out."}}`, rec.Body.String())
	require.True(t, strings.HasPrefix(rec.Header().Get("X-Openstack-Request-Id"), "req-"))
	require.Equal(t, 200, get(s, "GET", "/v2.1/images/a1", "ta", "").Code)
	require.Contains(t, get(s.OperatorHandler(), "GET", "/readyz", "", "").Body.String(), `"nova":"down"`)

	fn.Delay.Store(0)
	require.Equal(t, http.StatusAccepted, get(s, "GET", "/v2.1/flavors", "ta", "").Code)
	require.Contains(t, get(s.OperatorHandler(), "GET", "/readyz", "", "").Body.String(), `"nova":"up"`)

	fn.Garbage.Store(true)
	rec = get(s, "GET", "/v2.1/flavors", "ta", "")
	require.Equal(t, http.StatusBadGateway, rec.Code)
	require.JSONEq(t, `{"computeFault": {"code": 502, "message": "Bad gateway."}}`, rec.Body.String())

	fn.Close() // refused
	rec = get(s, "GET", "/v2.1/flavors", "ta", "")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.JSONEq(t, `{"serviceUnavailable": {"code": 503, "message": "The server is currently unavailable. Please try again at a later time."}}`, rec.Body.String())
	require.Equal(t, 200, get(s, "GET", "/v2.1/images/a1", "ta", "").Code)
	metrics := get(s.OperatorHandler(), "GET", "/metrics", "", "").Body.String()
	require.Contains(t, metrics, `imagegw_upstream_errors_total{kind="503",operation="nova"} 1`)
	require.Contains(t, metrics, `imagegw_upstream_errors_total{kind="504",operation="nova"} 1`)
	require.Contains(t, metrics, `imagegw_upstream_errors_total{kind="502",operation="nova"} 1`)
	require.Contains(t, metrics, `imagegw_requests_total{method="GET",microversion="",route="nova",status="202"} 1`)
}
