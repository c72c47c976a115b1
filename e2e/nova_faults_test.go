//go:build e2e

package e2e

import (
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// nova-api frozen (SIGSTOP) and stopped, with imagegw in front of it: a
// pass-through answers within upstream_timeout with the load balancer's
// status as a Nova fault, the image routes answer as before, /readyz
// tells, and imagegw follows Nova back without a restart.
func TestPassThroughWhenNovaFails(t *testing.T) {
	gw := frontGateway(t, func(c *config.Config) { c.UpstreamTimeout = 2 * time.Second })
	t.Cleanup(func() { cloudUp(t) })
	pid := servicePID(t, "nova-api")
	require.Equal(t, 200, send(t, gw.URL, novaCase{method: "GET", path: "/v2.1/flavors", user: "demo"}).status)
	images := func() {
		t.Helper()
		require.Equal(t, 200, send(t, gw.URL, novaCase{method: "GET", path: "/v2.1/images/detail", user: "demo"}).status, "image routes")
	}
	novaState := func(want string) { t.Helper(); readyzSays(t, "nova", want, gw.ops.URL) }

	require.NoError(t, syscall.Kill(-pid, syscall.SIGSTOP))
	t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGCONT) })
	start := time.Now()
	r := send(t, gw.URL, novaCase{method: "GET", path: "/v2.1/flavors", user: "demo"})
	took := time.Since(start)
	t.Logf("Nova frozen: %d in %s", r.status, took.Round(time.Millisecond))
	require.Equal(t, 504, r.status, r.body)
	require.JSONEq(t, `{"computeFault": {"code": 504, "message": "The gateway has timed out."}}`, r.body)
	require.Less(t, took, 3*time.Second, "bounded by upstream_timeout (2 s)")
	require.NotEmpty(t, r.header.Get("X-Openstack-Request-Id"))
	images()
	novaState("down")
	require.NoError(t, syscall.Kill(-pid, syscall.SIGCONT))
	require.Eventually(t, func() bool {
		return send(t, gw.URL, novaCase{method: "GET", path: "/v2.1/flavors", user: "demo"}).status == 200
	}, 30*time.Second, 100*time.Millisecond, "back after SIGCONT")
	novaState("up")

	require.NoError(t, syscall.Kill(-pid, syscall.SIGTERM))
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", hostOf(t, novaRoot(t)), time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 30*time.Second, 100*time.Millisecond, "nova-api stopped")
	start = time.Now()
	r = send(t, gw.URL, novaCase{method: "GET", path: "/v2.1/flavors", user: "demo"})
	t.Logf("Nova stopped: %d in %s", r.status, time.Since(start).Round(time.Millisecond))
	require.Equal(t, 503, r.status, r.body)
	require.JSONEq(t, `{"serviceUnavailable": {"code": 503, "message": "The server is currently unavailable. Please try again at a later time."}}`, r.body)
	images()
	novaState("down")
	cloudUp(t) // Nova started again by the cloud's script
	require.Equal(t, 200, send(t, gw.URL, novaCase{method: "GET", path: "/v2.1/flavors", user: "demo"}).status, "back after a restart")
	novaState("up")
	metrics := string(do(t, gw.ops.URL, "GET", "/metrics", "", nil, "").Body)
	require.Regexp(t, `imagegw_upstream_errors_total\{kind="503",operation="nova"\} [1-9]`, metrics)
	require.Regexp(t, `imagegw_upstream_errors_total\{kind="504",operation="nova"\} [1-9]`, metrics)
}
