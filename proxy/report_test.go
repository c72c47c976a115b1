package proxy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

func TestMetricsAfterKnownTraffic(t *testing.T) {
	s, _ := newTestServer(t, nil)
	for i := 0; i < 3; i++ {
		get(s, "GET", "/v2.1/images/a1", "ta", "")
	}
	get(s, "GET", "/v2.1/images", "bogus", "")
	get(s, "GET", "/v2.1/images/nope", "ta", "")
	body := get(s.OperatorHandler(), "GET", "/metrics", "", "").Body.String()
	require.NotContains(t, body, `project=`, "no project in any series")
	for _, want := range []string{
		`imagegw_requests_total{method="GET",microversion="2.1",route="images.show",status="200"} 3`,
		`imagegw_requests_total{method="GET",microversion="2.1",route="images.show",status="404"} 1`,
		`imagegw_token_validations_total{result="invalid"} 1`,
		`imagegw_token_validations_total{result="valid"} 4`,
		`imagegw_cache_requests_total{result="hit"} 2`,
		`imagegw_cache_requests_total{result="miss"} 2`,
		`imagegw_upstream_duration_seconds_count{operation="get"} 2`,
		`imagegw_upstream_errors_total{kind="404",operation="get"} 1`,
		`imagegw_cache_entries 1`,
	} {
		require.Contains(t, body, want)
	}
}

// Issue 14, item 9: the API listener shows nothing of the operator's.
func TestMetricsAndReportAreNotPublic(t *testing.T) {
	s, _ := newTestServer(t, nil) // operator_listen: its own listener
	for _, p := range []string{"/metrics", "/migration"} {
		for _, tok := range []string{"", "ta", "tadmin"} {
			r := get(s, "GET", p, tok, "")
			require.Equal(t, 300, r.Code, "%s is not served on the API listener", p)
			require.NotContains(t, r.Body.String(), "imagegw_")
		}
	}
	get(s, "GET", "/v2.1/images/a1", "ta", "")
	pub, _ := newTestServer(t, func(c *config.Config) { c.OperatorListen = "" })
	get(pub, "GET", "/v2.1/images/a1", "ta", "")
	for _, p := range []string{"/metrics", "/migration"} {
		require.Equal(t, 401, get(pub, "GET", p, "", "").Code, p)
		require.Equal(t, 403, get(pub, "GET", p, "ta", "").Code, p)
		r := get(pub, "GET", p, "tadmin", "")
		require.Equal(t, 200, r.Code, p)
	}
	body := get(pub, "GET", "/metrics", "tadmin", "").Body.String()
	require.Contains(t, body, `imagegw_requests_total{method="GET",microversion="2.1",route="images.show",status="200"} 1`)
	require.NotContains(t, body, `project=`)
}

func TestMigrationReport(t *testing.T) {
	s, _ := newTestServer(t, nil)
	req := func(method, path, token, ua, ver string) {
		r := newReq(method, path, token)
		r.Header.Set("User-Agent", ua)
		if ver != "" {
			r.Header.Set("X-OpenStack-Nova-API-Version", ver)
		}
		s.ServeHTTP(newRec(), r)
	}
	req("GET", "/v2.1/images/detail", "ta", "old-sdk/1.0", "2.35")
	req("GET", "/v2.1/images/detail", "ta", "old-sdk/1.0", "2.1")
	req("GET", "/v2/images/a1/metadata", "ta", "script/0.1", "")
	req("GET", "/v2/not-hex/images/a1/metadata", "ta", "router-404/1", "")
	req("GET", "/v2.1/images/b1", "tb", "other/2", "2.36")
	req("GET", "/v2.1/images", "bogus", "anon/1", "")

	ops := s.OperatorHandler()
	require.Equal(t, 401, get(ops, "GET", "/migration", "", "").Code)
	require.Equal(t, 401, get(ops, "GET", "/migration", "bogus", "").Code)
	require.Equal(t, 403, get(ops, "GET", "/migration", "ta", "").Code, "members may not read it")
	rec := get(ops, "GET", "/migration", "tadmin", "")
	require.Equal(t, 200, rec.Code)
	var rep struct {
		Usage []usage `json:"usage"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep))
	type row struct{ project, ua, route, native, mvs string }
	var got []row
	for _, u := range rep.Usage {
		got = append(got, row{u.Project, u.UserAgent, u.Route, u.Native, strings.Join(u.Microversions, ",")})
		require.WithinDuration(t, time.Now(), u.LastSeen, time.Minute)
	}
	require.ElementsMatch(t, []row{
		{"pa", "old-sdk/1.0", "images.detail", "GET /v2/images", "2.1,2.35"},
		{"pa", "script/0.1", "metadata.index", "GET /v2/images/{id} (custom properties)", "legacy-v2"},
		{"pb", "other/2", "images.show", "GET /v2/images/{id}", "2.36"},
	}, got)
	for _, u := range rep.Usage {
		if u.UserAgent == "old-sdk/1.0" {
			require.EqualValues(t, 2, u.Calls, "old-sdk detail counted twice")
		}
	}

	html := newReq("GET", "/migration", "tadmin")
	html.Header.Set("Accept", "text/html")
	hr := newRec()
	ops.ServeHTTP(hr, html)
	require.Equal(t, "text/html; charset=utf-8", hr.Header().Get("Content-Type"))
	require.Contains(t, hr.Body.String(), "<td>old-sdk/1.0</td><td>images.detail</td><td>2</td>")
}

func TestDeprecationHeadersOffAndOn(t *testing.T) {
	off, _ := newTestServer(t, nil)
	rec := get(off, "GET", "/v2.1/images/a1", "ta", "")
	require.Empty(t, rec.Header().Get("Deprecation"))
	require.Empty(t, rec.Header().Values("Link"))

	since := time.Date(2016, 9, 1, 0, 0, 0, 0, time.UTC)
	sunset := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	on, _ := newTestServer(t, func(c *config.Config) {
		c.DeprecationHeaders, c.DeprecatedSince, c.Sunset = true, since, sunset
		c.DeprecationInfoURL = "https://wiki.example/migrate"
	})
	rec = get(on, "GET", "/v2.1/images/a1", "ta", "")
	require.Equal(t, 200, rec.Code)
	require.Equal(t, "@1472688000", rec.Header().Get("Deprecation"))
	require.Equal(t, "Wed, 30 Jun 2027 00:00:00 GMT", rec.Header().Get("Sunset"))
	require.Equal(t, []string{`<http://glance.test/v2/images/a1>; rel="alternate"; type="application/json"`,
		`<https://wiki.example/migrate>; rel="deprecation"; type="text/html"`}, rec.Header().Values("Link"))
	rec = get(on, "GET", "/v2.1/images", "ta", "")
	require.Contains(t, rec.Header().Values("Link")[0], "<http://glance.test/v2/images>")
	require.Empty(t, get(on, "GET", "/", "", "").Header().Get("Deprecation"), "only on proxied responses")
}

func TestBrownout(t *testing.T) {
	s, fg := newTestServer(t, func(c *config.Config) { c.BrownoutWindows = []string{"10:00-10:30", "23:50-00:10"} })
	at := func(h, m int) { s.now = func() time.Time { return time.Date(2026, 11, 23, h, m, 0, 0, time.UTC) } }
	at(10, 15)
	rec := get(s, "GET", "/v2.1/images/a1", "ta", "")
	require.Equal(t, 404, rec.Code)
	require.JSONEq(t, `{"itemNotFound": {"code": 404, "message": "The resource could not be found."}}`, rec.Body.String())
	require.Equal(t, "2.1", rec.Header().Get("X-OpenStack-Nova-API-Version"))
	require.EqualValues(t, 0, fg.Calls.Load(), "Glance not called")
	at(0, 5)
	require.Equal(t, 404, get(s, "GET", "/v2.1/images/a1/metadata", "ta", "").Code, "window across midnight")
	at(10, 30)
	require.Equal(t, 200, get(s, "GET", "/v2.1/images/a1", "ta", "").Code, "window end is exclusive")
	require.Contains(t, get(s.OperatorHandler(), "GET", "/metrics", "", "").Body.String(), `imagegw_brownout_rejections_total{route="images.show"} 1`)

	all, _ := newTestServer(t, func(c *config.Config) { c.BrownoutPercent = 100 })
	require.Equal(t, 404, get(all, "GET", "/v2.1/images", "ta", "").Code)
	none, _ := newTestServer(t, func(c *config.Config) { c.BrownoutPercent = 0 })
	require.Equal(t, 200, get(none, "GET", "/v2.1/images", "ta", "").Code)
}

// Per-day counts, sorting by last seen and the CSV export (this replica's
// report; the fleet's has the same shape); what a flush could not deliver
// is kept for the next.
func TestMigrationReportDaysSortAndCSV(t *testing.T) {
	r := newMigrationReport(10)
	day1 := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Hour)
	r.record("pa", "old/1", "images.detail", "GET /v2/images", "2.35", day1)
	require.Empty(t, r.drain(), "no fleet report (no Redis): nothing kept for one")
	r.rows = map[[3]string]*usage{}
	r.share()
	r.record("pa", "old/1", "images.detail", "GET /v2/images", "2.35", day1)
	r.record("pa", "old/1", "images.detail", "GET /v2/images", "2.1", day2)
	r.record("pb", "new/2", "images.show", "GET /v2/images/{id}", "2.35", day1)
	require.Equal(t, map[string]uint64{"2026-11-30": 1, "2026-12-01": 1}, r.rows[[3]string{"pa", "old/1", "images.detail"}].Days)

	ds := r.drain()
	require.Len(t, ds, 3, "one delta per (project, client, route, day)")
	require.Empty(t, r.drain())
	r.requeue(ds)
	require.Len(t, r.drain(), 3, "nothing lost when Redis was away")

	full := newMigrationReport(1)
	full.share()
	full.record("pa", "old/1", "images.detail", "GET /v2/images", "2.35", day1)
	full.record("pb", "new/2", "images.show", "GET /v2/images/{id}", "2.35", day1)
	require.Len(t, full.rows, 1, "this replica's report is full")
	require.EqualValues(t, 1, full.dropped)
	require.Len(t, full.drain(), 1, "the fleet's pending deltas are bounded the same")

	allocs := testing.AllocsPerRun(100, func() { r.record("pa", "old/1", "images.detail", "GET /v2/images", "2.35", day1) })
	require.Zero(t, allocs, "a call of a known (project, client, route, day) allocates nothing")
	r.record("pa", "old/1", "images.detail", "GET /v2/images", "2.35", day1.Add(-24*time.Hour))
	require.Equal(t, uint64(1), r.rows[[3]string{"pa", "old/1", "images.detail"}].Days["2026-11-29"], "an earlier day after a later one")

	rows := []usage{
		{Project: "pa", UserAgent: "old/1", Route: "images.detail", Calls: 2, LastSeen: day2, Days: map[string]uint64{"2026-11-30": 1, "2026-12-01": 1}},
		{Project: "pb", UserAgent: "new/2", Route: "images.show", Calls: 1, LastSeen: day1, Microversions: []string{"2.35"}},
	}
	res, err := reportCSV(rows)
	require.NoError(t, err)
	require.Equal(t, "text/csv; charset=utf-8", res.contentType)
	require.Equal(t, "project,project_name,user_agent,route,calls,last_seen,microversions,replacement,calls_per_day\n"+
		"pa,,old/1,images.detail,2,2026-12-01T01:00:00Z,,,\"2026-12-01: 1, 2026-11-30: 1\"\n"+
		"pb,,new/2,images.show,1,2026-11-30T23:00:00Z,2.35,,\n", string(res.body))

	s, _ := newTestServer(t, nil)
	for _, ua := range []string{"first/1", "second/1"} {
		req := newReq("GET", "/v2.1/images", "ta")
		req.Header.Set("User-Agent", ua)
		s.ServeHTTP(newRec(), req)
		time.Sleep(2 * time.Millisecond)
	}
	rec := get(s.OperatorHandler(), "GET", "/migration?sort=last_seen&format=csv", "tadmin", "")
	require.Equal(t, 200, rec.Code)
	lines := strings.Split(rec.Body.String(), "\n")
	require.True(t, strings.HasPrefix(lines[1], "pa,,second/1,") && strings.HasPrefix(lines[2], "pa,,first/1,"), rec.Body.String())
}

type fakeNamer map[string]string

func (f fakeNamer) ProjectName(_ context.Context, id string) string { return f[id] }

// Project names next to ids, asked once per project per namesTTL.
func TestProjectNames(t *testing.T) {
	calls := 0
	p := newProjectNames(countingNamer{fakeNamer{"pa": "demo"}, &calls})
	rows := []usage{{Project: "pa"}, {Project: "pb"}, {Project: "pa"}}
	p.name(context.Background(), rows)
	require.Equal(t, []string{"demo", "", "demo"}, []string{rows[0].ProjectName, rows[1].ProjectName, rows[2].ProjectName})
	p.name(context.Background(), rows)
	require.Equal(t, 2, calls, "one Keystone call per project, names and misses remembered")
	newProjectNames(nil).name(context.Background(), rows) // no Keystone: ids only, no panic
}

type countingNamer struct {
	fakeNamer
	n *int
}

func (c countingNamer) ProjectName(ctx context.Context, id string) string {
	*c.n++
	return c.fakeNamer.ProjectName(ctx, id)
}
