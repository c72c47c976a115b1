//go:build e2e

package e2e

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

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

// settle waits until two counts 100 ms apart agree with no connection
// open (10 s at most): goroutines of closed connections take a moment to
// end.
func (s leakScope) settle() int {
	last := -1
	for i := 0; i < 100; i++ {
		s.closeIdle()
		n := liveGoroutines()
		if n == last && s.openConns() == 0 {
			return n
		}
		last = n
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

// leakCheck closes every idle pool involved, waits for the goroutine count
// to settle and returns a check to run at the end: the count must come
// back to this baseline and the proxies must hold no open connection.
func leakCheck(t *testing.T, gateways []*faultGateway, proxies []*faultProxy) func() {
	t.Helper()
	s := leakScope{gateways: gateways, proxies: proxies}
	before := s.settle()
	require.Zero(t, s.openConns(), "proxies hold no connection once the pools are idle")
	return func() {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			s.closeIdle()
			n, open := liveGoroutines(), s.openConns()
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
