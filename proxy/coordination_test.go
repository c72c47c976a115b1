package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
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
	report    []upstream.ReportDelta // what ReportAdd took
}

func (f *fakeCoordinator) ReportAdd(_ context.Context, _ int, ds []upstream.ReportDelta) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return upstream.ErrCoordination
	}
	f.report = append(f.report, ds...)
	return nil
}

// ReportRead sums what was added per (project, client, route).
func (f *fakeCoordinator) ReportRead(context.Context, time.Time) ([]upstream.ReportRow, uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, 0, upstream.ErrCoordination
	}
	var rows []upstream.ReportRow
	for _, d := range f.report {
		i := slices.IndexFunc(rows, func(r upstream.ReportRow) bool {
			return r.Project == d.Project && r.UserAgent == d.UserAgent && r.Route == d.Route
		})
		if i < 0 {
			rows = append(rows, upstream.ReportRow{Project: d.Project, UserAgent: d.UserAgent, Route: d.Route, Days: map[string]uint64{}})
			i = len(rows) - 1
		}
		rows[i].Calls += d.Calls
		rows[i].Days[d.Day] += d.Calls
	}
	return rows, 0, nil
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
	s.report.share() // as Coordinate does
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

// With a coordinator, /migration is the fleet's report: this replica's
// calls are flushed to it first; when Redis fails, this replica's own,
// and the calls it could not flush are kept for the next time.
func TestMigrationReportIsTheFleets(t *testing.T) {
	s, fc, call := coordinatedServer(t, false)
	fc.report = []upstream.ReportDelta{{Project: "pb", UserAgent: "other-replica/1", Route: "images.list", Day: "2026-12-01", Calls: 4}}
	call("GET", "/v2.1/images", "")
	ops := s.OperatorHandler()
	var rep struct {
		Usage []usage `json:"usage"`
		Scope string  `json:"scope"`
	}
	read := func() {
		rec := get(ops, "GET", "/migration", "tadmin", "")
		require.Equal(t, 200, rec.Code)
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep))
	}
	read()
	require.Equal(t, "every replica (kept in Redis)", rep.Scope)
	require.Len(t, rep.Usage, 2, "another replica's row and this one's, flushed before the read")

	fc.down = true
	call("GET", "/v2.1/images", "")
	read()
	require.Equal(t, "this replica only (Redis unavailable)", rep.Scope)
	require.Len(t, rep.Usage, 1)
	require.EqualValues(t, 2, rep.Usage[0].Calls, "this replica's own")
	fc.down = false
	read()
	require.Len(t, rep.Usage, 2)
	for _, u := range rep.Usage {
		if u.UserAgent != "other-replica/1" {
			require.EqualValues(t, 2, u.Calls, "the call Redis missed was kept and flushed later")
		}
	}
}
