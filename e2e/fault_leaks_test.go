//go:build e2e

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// notLeaks are goroutines that outlive a fault by design: go-cache's
// janitors (one per cache, stopped when the cache is collected) and the
// fault proxy's own accept loop, started anew when a "refused" fault ends.
var notLeaks = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/patrickmn/go-cache.(*janitor).Run"),
	goleak.IgnoreAnyFunction("github.com/imagegw/imagegw/e2e.(*faultProxy).serve.func1"),
}

// leakScope is every pool a fault test's connections may sit in: idle
// connections are not leaks, so they are closed before counting.
type leakScope struct {
	gateways []*faultGateway
	proxies  []*faultProxy
}

func (s leakScope) closeIdle() {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	faultClient.Transport.(*http.Transport).CloseIdleConnections()
	for _, g := range s.gateways {
		g.transport.CloseIdleConnections()
	}
	for _, p := range s.proxies {
		p.transport.CloseIdleConnections()
	}
}

func (s leakScope) openConns() (n int64) {
	for _, p := range s.proxies {
		n += p.open.Load()
	}
	return n
}

// leakCheck closes every idle pool involved and notes the goroutines
// alive now; it returns a check to run at the end: no other goroutine may
// be left (goleak, retried while closed connections wind down) and the
// proxies must hold no open connection.
func leakCheck(t *testing.T, gateways []*faultGateway, proxies []*faultProxy) func() {
	t.Helper()
	s := leakScope{gateways: gateways, proxies: proxies}
	s.closeIdle()
	require.Eventually(t, func() bool { s.closeIdle(); return s.openConns() == 0 }, 10*time.Second, 100*time.Millisecond,
		"proxies hold no connection once the pools are idle")
	before := goleak.IgnoreCurrent()
	return func() {
		t.Helper()
		s.closeIdle()
		require.Eventually(t, func() bool { s.closeIdle(); return s.openConns() == 0 }, 15*time.Second, 100*time.Millisecond,
			"upstream connections still open: %d", s.openConns())
		// goleak retries for a second or so; closed connections may take longer
		opts := append([]goleak.Option{before}, notLeaks...)
		leak := goleak.Find(opts...)
		for deadline := time.Now().Add(15 * time.Second); leak != nil && time.Now().Before(deadline); {
			s.closeIdle()
			leak = goleak.Find(opts...)
		}
		require.NoError(t, leak, "goroutines left by the faults")
		t.Logf("no goroutine left; open upstream connections: %d", s.openConns())
	}
}
