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
//
// The proxy is here; the faults it injects are in fault_injections_test.go.

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

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
