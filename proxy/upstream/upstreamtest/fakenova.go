package upstreamtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Nova is a fake nova-api on an httptest server for the pass-through
// tests: it serves its /v2.1 version document (MaxVersion) and answers
// every other request with what it received (Seen), a link built from
// the Host it was sent, as Nova builds them, and its own request id.
type Nova struct {
	*httptest.Server
	// MaxVersion is the version its /v2.1 document states (2.93).
	MaxVersion atomic.Value
	// Delay holds every answer this long.
	Delay atomic.Int64
	// Garbage makes it answer bytes that are not HTTP.
	Garbage atomic.Bool
	// Requests counts the requests it answered, version documents aside.
	Requests atomic.Int64
}

// NovaRequestID is the request id the fake answers with.
const NovaRequestID = "req-00000000-0000-4000-8000-00000000n0va"

// Seen is the fake's answer body: the request as it arrived.
type Seen struct {
	Method, Path, Query, Host, Body string
	Header                          http.Header
	Link                            string
}

// NewNova starts the fake, closed when the test ends.
func NewNova(tb testing.TB) *Nova {
	n := &Nova{}
	n.MaxVersion.Store("2.93")
	n.Server = httptest.NewServer(n)
	tb.Cleanup(n.Close)
	return n
}

func (n *Nova) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d := time.Duration(n.Delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	if n.Garbage.Load() && r.URL.Path != "/v2.1/" {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_, _ = conn.Write([]byte("not HTTP at all\r\n\r\n"))
			conn.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/v2.1/" {
		_ = json.NewEncoder(w).Encode(map[string]any{"version": map[string]any{
			"id": "v2.1", "status": "CURRENT", "min_version": "2.1", "version": n.MaxVersion.Load()}})
		return
	}
	n.Requests.Add(1)
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Openstack-Request-Id", NovaRequestID)
	w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"/1")
	w.Header().Set("OpenStack-API-Version", "compute 2.42")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(Seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host,
		Body: string(body), Header: r.Header, Link: "http://" + r.Host + r.URL.Path})
}
