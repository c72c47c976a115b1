package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
)

// fakeCoordinator stands for upstream.Coordinator: in step or not, Redis
// answering or not, and what was published and locked.
type fakeCoordinator struct {
	mu        sync.Mutex
	fresh     bool
	down      bool
	published []upstream.CoordEvent
	locks     int
}

func (f *fakeCoordinator) Fresh() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.fresh }

func (f *fakeCoordinator) Publish(_ context.Context, ev upstream.CoordEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return upstream.ErrCoordination
	}
	f.published = append(f.published, ev)
	return nil
}

func (f *fakeCoordinator) Lock(context.Context, string) (func(), error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, upstream.ErrCoordination
	}
	f.locks++
	return func() {}, nil
}

func coordinatedServer(t *testing.T, strict bool) (*Server, *fakeCoordinator, func(method, path, body string) (int, bool)) {
	s, fg := newTestServer(t, func(c *config.Config) {
		c.CacheTTLImage, c.CacheTTLMetadata = time.Hour, time.Hour
		if strict {
			c.Coordination = config.CoordinationStrict
		}
	})
	fc := &fakeCoordinator{fresh: true}
	s.coord.c = fc
	call := func(method, path, body string) (int, bool) {
		n := fg.Calls.Load()
		code := get(s, method, path, "ta", body).Code
		return code, fg.Calls.Load() > n
	}
	return s, fc, call
}

func TestCoordinatedReplica(t *testing.T) {
	s, fc, call := coordinatedServer(t, false)
	steps := []struct {
		name         string
		do           func()
		method, path string
		body         string
		code         int
		glance       bool
	}{
		{name: "fill", method: "GET", path: "/v2.1/images/a1", code: 200, glance: true},
		{name: "hit", method: "GET", path: "/v2.1/images/a1", code: 200},
		{name: "another replica wrote a1", do: func() { s.onRemoteWrite(upstream.CoordEvent{Glance: "http://glance.test", Image: "a1"}) },
			method: "GET", path: "/v2.1/images/a1", code: 200, glance: true},
		{name: "hit again", method: "GET", path: "/v2.1/images/a1", code: 200},
		{name: "out of step: the cache is bypassed", do: func() { fc.fresh = false },
			method: "GET", path: "/v2.1/images/a1", code: 200, glance: true},
		{name: "still bypassed", method: "GET", path: "/v2.1/images/a1", code: 200, glance: true},
		{name: "back in step: what was cached before is dropped", do: func() { fc.fresh = true; s.onCoordination(true, nil) },
			method: "GET", path: "/v2.1/images/a1", code: 200, glance: true},
		{name: "a write is locked and published", method: "PUT", path: "/v2.1/images/a1/metadata/k", body: `{"meta": {"k": "v2"}}`, code: 200, glance: true},
		{name: "Redis down: best-effort writes go on", do: func() { fc.down = true },
			method: "PUT", path: "/v2.1/images/a1/metadata/k", body: `{"meta": {"k": "v3"}}`, code: 200, glance: true},
	}
	for _, st := range steps {
		if st.do != nil {
			st.do()
		}
		code, glance := call(st.method, st.path, st.body)
		require.Equal(t, st.code, code, st.name)
		require.Equal(t, st.glance, glance, st.name)
	}
	require.Equal(t, 1, fc.locks)
	require.Equal(t, []upstream.CoordEvent{{Glance: "http://glance.test", Image: "a1"}}, fc.published)
	body := get(s.OperatorHandler(), "GET", "/metrics", "", "").Body.String()
	for _, line := range []string{`imagegw_coordination_uncoordinated_writes_total{step="lock"} 1`,
		`imagegw_coordination_uncoordinated_writes_total{step="publish"} 1`,
		`imagegw_coordination_remote_writes_total 1`, `imagegw_coordination_flushes_total 1`,
		`imagegw_cache_requests_total{result="bypass"} 2`} {
		require.True(t, strings.Contains(body, line), line)
	}
}

func TestStrictCoordination(t *testing.T) {
	_, fc, call := coordinatedServer(t, true)
	fc.down, fc.fresh = true, false
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", "/v2.1/images/a1/metadata/k", `{"meta": {"k": "v"}}`},
		{"DELETE", "/v2.1/images/a1", ""},
	} {
		code, glance := call(tc.method, tc.path, tc.body)
		require.Equal(t, 503, code, tc.method)
		require.False(t, glance, "%s: refused before Glance", tc.method)
	}
	code, _ := call("GET", "/v2.1/images/a1", "")
	require.Equal(t, 200, code, "reads go on")
}

func TestLostReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("coordination: dial: %w", syscall.ECONNREFUSED), "refused"},
		{fmt.Errorf("coordination: %w", context.DeadlineExceeded), "timeout"},
		{fmt.Errorf("coordination: %w", io.EOF), "closed"},
		{errors.New("coordination: ERR something"), "error"},
	} {
		require.Equal(t, tc.want, lostReason(tc.err), tc.err.Error())
	}
}
