//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

const (
	keystoneUpstreamTimeout = 3 * time.Second // Keystone takes up to ~1 s per validation here
	keystoneRequestTimeout  = 8 * time.Second // longer: a slow Keystone must be cut by upstream_timeout
	keystoneMargin          = 3 * time.Second
)

// TestKeystoneFaults puts the fault proxy in front of the real Keystone as
// keystone_url (imagegw's service user still authenticates at auth_url):
// with token caching off every request validates its token there, and a
// Keystone that fails for any reason but the token gives Nova's 503 (as
// keystonemiddleware does), within upstream_timeout, never retried.
func TestKeystoneFaults(t *testing.T) {
	px := newFaultProxy(t, world.keystone)
	gwy := startFaultGateway(t, func(c *config.Config) {
		c.KeystoneURL = px.URL + "/v3"
		// every request validates at Keystone, and a token Keystone once
		// called unknown (the 404 case) is asked again when it is back
		// (TestInvalidTokenValidatedOnce covers remembering it)
		c.TokenCacheTTL, c.InvalidTokenCacheTTL = 0, 0
		c.UpstreamTimeout, c.RequestTimeout = keystoneUpstreamTimeout, keystoneRequestTimeout
	})
	fresh := startFaultGateway(t, func(c *config.Config) {}) // catalog's Keystone, cached tokens
	show := "/v2.1/images/" + imageID(t, "ref-active")
	want, _ := timed(t, fresh.URL, "GET", show, "demo", "")
	require.Equal(t, 200, want.Status, string(want.Body))
	r, _ := timed(t, gwy.URL, "GET", show, "demo", "")
	require.Equal(t, 200, r.Status, string(r.Body))
	require.EqualValues(t, 1, px.requests("GET"), "the token was validated at keystone_url")
	checkLeaks := leakCheck(t, []*faultGateway{gwy, fresh}, []*faultProxy{px})

	k := &keystoneFaults{px: px, gwy: gwy, show: show, want: want}
	for _, tt := range keystoneFaultCases() {
		t.Run(tt.name, func(t *testing.T) { k.run(t, tt) })
	}
	checkLeaks()
}

type keystoneFaultCase struct {
	name      string
	fault     *injection
	status    int
	faultName string // "": Keystone's 401 body instead of a Nova fault
	message   string
	calls     int64 // validations the fault answered (-1: refused)
	slow      bool
	ready     bool // also check /readyz (503, keystone unreachable)
}

func keystoneFaultCases() []keystoneFaultCase {
	return []keystoneFaultCase{
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
}

// keystoneFaults is the set-up every case shares: want is the answer gwy
// must give again once Keystone is back.
type keystoneFaults struct {
	px   *faultProxy
	gwy  *faultGateway
	show string
	want resp
}

func (k *keystoneFaults) run(t *testing.T, tt keystoneFaultCase) {
	k.px.inject(tt.fault)
	r, elapsed := timed(t, k.gwy.URL, "GET", k.show, "demo", "")
	t.Logf("FAULT keystone | %s | GET /v2.1/images/{id} | %d | %s | elapsed %s | faulted calls %d", tt.fault.name,
		r.Status, string(r.Body), elapsed.Round(10*time.Millisecond), k.px.faulted.Load())
	if tt.faultName != "" {
		requireNovaFault(t, r, tt.status, tt.faultName, tt.message)
	} else {
		require.Equal(t, tt.status, r.Status, string(r.Body))
		require.Equal(t, tt.message, r.JSON(t)["error"].(map[string]any)["message"])
		require.Equal(t, `Keystone uri="`+strings.TrimSuffix(world.keystone, "/v3")+`"`, r.Header.Get("WWW-Authenticate"),
			"clients are sent to auth_url, not to keystone_url")
	}
	require.Less(t, elapsed, keystoneUpstreamTimeout+keystoneMargin, "answered within upstream_timeout")
	require.Less(t, elapsed, keystoneRequestTimeout, "not by the request deadline")
	if tt.slow {
		require.GreaterOrEqual(t, elapsed, keystoneUpstreamTimeout, "waited for upstream_timeout")
	}
	if tt.calls >= 0 {
		require.Equal(t, tt.calls, k.px.faulted.Load(), "validations the fault answered")
	}
	if tt.ready {
		rr, _ := timed(t, k.gwy.ops.URL, "GET", "/readyz", "", "")
		require.Equal(t, 503, rr.Status, string(rr.Body))
		require.Equal(t, "unreachable", rr.JSON(t)["keystone_status"])
	}

	k.px.pass() // Keystone is back
	r, _ = timed(t, k.gwy.URL, "GET", k.show, "demo", "")
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, string(k.want.Body), string(r.Body))
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
