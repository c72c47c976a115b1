package proxy

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/imagegw/imagegw/translate"
)

// Operator features for migrating clients off the proxy API: metrics,
// the migration report, deprecation headers and brownouts.

// metrics are imagegw's Prometheus metrics, on their own registry.
type metrics struct {
	// byRequest holds the request counter and latency observer of each
	// label set seen (requestLabels → *requestMetrics): a struct-keyed map
	// lookup instead of Prometheus hashing five label values per request.
	byRequest  sync.Map
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	cache      *prometheus.CounterVec
	upstream   *prometheus.HistogramVec
	upstreamKO *prometheus.CounterVec
	tokens     *prometheus.CounterVec
	brownouts  *prometheus.CounterVec
}

// requestLabels are the labels of one request's metrics. No project:
// which projects exist and what they do is not for anyone who can read
// /metrics, and a label per project is unbounded (issue 14); per-project
// use is in the migration report, behind the operator role.
type requestLabels struct {
	route, method, version string
	status                 int
}

type requestMetrics struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// observeRequest counts a request and its latency.
func (m *metrics) observeRequest(l requestLabels, seconds float64) {
	v, ok := m.byRequest.Load(l)
	if !ok {
		v, _ = m.byRequest.LoadOrStore(l, &requestMetrics{
			count:   m.requests.WithLabelValues(l.route, l.method, strconv.Itoa(l.status), l.version),
			latency: m.latency.WithLabelValues(l.route, l.method),
		})
	}
	rm := v.(*requestMetrics)
	rm.count.Inc()
	rm.latency.Observe(seconds)
}

func newMetrics(stats func() CacheStats) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "imagegw_requests_total",
		Help: "Requests by route, method, status and microversion."},
		[]string{"route", "method", "status", "microversion"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "imagegw_request_duration_seconds",
		Help: "Request latency by route and method.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)},
		[]string{"route", "method"})
	m.cache = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "imagegw_cache_requests_total",
		Help: "Cacheable reads by result (hit, miss, shared, off)."}, []string{"result"})
	m.upstream = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "imagegw_upstream_duration_seconds",
		Help: "Glance call latency by operation.", Buckets: prometheus.ExponentialBuckets(0.001, 3, 10)}, []string{"operation"})
	m.upstreamKO = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "imagegw_upstream_errors_total",
		Help: "Failed Glance calls by operation and kind (status code or transport)."}, []string{"operation", "kind"})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "imagegw_token_validations_total",
		Help: "Token validations by result (valid, invalid, error)."}, []string{"result"})
	m.brownouts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "imagegw_brownout_rejections_total",
		Help: "Proxy calls answered 404 by a brownout, by route."}, []string{"route"})
	m.reg.MustRegister(m.requests, m.latency, m.cache, m.upstream, m.upstreamKO, m.tokens, m.brownouts,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "imagegw_cache_entries", Help: "Entries in the response cache."},
			func() float64 { return float64(stats().Entries) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "imagegw_cache_bytes", Help: "Bytes in the response cache."},
			func() float64 { return float64(stats().Bytes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "imagegw_cache_evictions_total", Help: "Entries removed from the response cache."},
			func() float64 { return float64(stats().Evictions) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "imagegw_cache_refused_total", Help: "Fills refused at the cache bounds."},
			func() float64 { return float64(stats().Refused) }),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

// usage is the migration report's record of one (project, client, route).
type usage struct {
	Project       string    `json:"project"`
	UserAgent     string    `json:"user_agent"`
	Route         string    `json:"route"`
	Native        string    `json:"replacement"`
	Calls         uint64    `json:"calls"`
	LastSeen      time.Time `json:"last_seen"`
	Microversions []string  `json:"microversions"`
}

// migrationReport aggregates who still calls the proxy API, bounded in size.
type migrationReport struct {
	mu      sync.Mutex
	max     int
	dropped uint64
	rows    map[[3]string]*usage
}

func newMigrationReport(max int) *migrationReport {
	return &migrationReport{max: max, rows: map[[3]string]*usage{}}
}

func (r *migrationReport) record(project, ua, op, native, mv string, at time.Time) {
	if len(ua) > 200 {
		ua = ua[:200]
	}
	k := [3]string{project, ua, op}
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.rows[k]
	if !ok {
		if len(r.rows) >= r.max {
			r.dropped++
			return
		}
		u = &usage{Project: project, UserAgent: ua, Route: op, Native: native}
		r.rows[k] = u
	}
	u.Calls++
	u.LastSeen = at
	if i := sort.SearchStrings(u.Microversions, mv); i == len(u.Microversions) || u.Microversions[i] != mv {
		u.Microversions = append(u.Microversions, "")
		copy(u.Microversions[i+1:], u.Microversions[i:])
		u.Microversions[i] = mv
	}
}

func (r *migrationReport) snapshot() ([]usage, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]usage, 0, len(r.rows))
	for _, u := range r.rows {
		cp := *u
		cp.Microversions = append([]string(nil), u.Microversions...)
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Project != out[j].Project {
			return out[i].Project < out[j].Project
		}
		if out[i].UserAgent != out[j].UserAgent {
			return out[i].UserAgent < out[j].UserAgent
		}
		return out[i].Route < out[j].Route
	})
	return out, r.dropped
}

var reportPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>imagegw migration report</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}th,td{border:1px solid #999;padding:4px 8px;text-align:left}th{background:#eee}</style>
</head><body>
<h1>Legacy image proxy API calls</h1>
<p>Generated {{.Generated}}. {{len .Rows}} (project, client, route) rows{{if .Dropped}}, {{.Dropped}} calls not tracked (report full){{end}}.</p>
<table id="usage"><thead><tr><th>Project</th><th>Client (User-Agent)</th><th>Route</th><th>Calls</th><th>Last seen</th><th>Microversions</th><th>Native Glance v2 replacement</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.Project}}</td><td>{{.UserAgent}}</td><td>{{.Route}}</td><td>{{.Calls}}</td><td>{{.LastSeen.Format "2006-01-02T15:04:05Z07:00"}}</td><td>{{range $i, $v := .Microversions}}{{if $i}}, {{end}}{{$v}}{{end}}</td><td>{{.Native}}</td></tr>
{{else}}<tr><td colspan="7">No legacy calls seen since start.</td></tr>{{end}}</tbody></table>
</body></html>
`))

// migration serves GET /migration: JSON, or HTML when the client prefers it.
// Operator-only: the caller's token must carry the configured role.
func (s *Server) migration(c echo.Context) error {
	if err := s.operatorOnly(c); err != nil {
		return err
	}
	rows, dropped := s.report.snapshot()
	if strings.Contains(c.Request().Header.Get("Accept"), "text/html") || c.QueryParam("format") == "html" {
		var page bytes.Buffer
		if err := reportPage.Execute(&page, map[string]any{"Rows": rows, "Dropped": dropped,
			"Generated": time.Now().UTC().Format(time.RFC3339)}); err != nil {
			return err
		}
		return writeBody(c, http.StatusOK, "text/html; charset=utf-8", page.Bytes())
	}
	return writeJSON(c, http.StatusOK, "application/json", map[string]any{"usage": rows, "untracked_calls": dropped})
}

// operatorOnly lets through a valid token with the operator role: 401
// without a valid token, 403 with one that lacks the role.
func (s *Server) operatorOnly(c echo.Context) error {
	token := c.Request().Header.Get("X-Auth-Token")
	if token == "" {
		return errUnauthorized
	}
	id, err := s.tokens.Validate(c.Request().Context(), token)
	if err != nil {
		return errUnauthorized
	}
	for _, r := range id.Roles {
		if r == s.cfg.OperatorRole {
			return nil
		}
	}
	return &translate.Error{Status: http.StatusForbidden, Message: "The operator role is required."}
}

// metricsPublic serves /metrics on the API listener (no operator_listen):
// to the operator role only.
func (s *Server) metricsPublic(c echo.Context) error {
	if err := s.operatorOnly(c); err != nil {
		return err
	}
	s.metrics.handler().ServeHTTP(c.Response(), c.Request())
	return nil
}

// brownout reports whether now falls in a configured brownout: a daily
// UTC window, or a random share of calls.
func (s *Server) brownout(now time.Time) bool {
	mins := now.UTC().Hour()*60 + now.UTC().Minute()
	for _, w := range s.cfg.BrownoutWindows {
		from, to, _ := parseWindow(w)
		if (from <= to && mins >= from && mins < to) || (from > to && (mins >= from || mins < to)) {
			return true
		}
	}
	return s.cfg.BrownoutPercent > 0 && rand.Float64()*100 < s.cfg.BrownoutPercent
}

// parseWindow reads "HH:MM-HH:MM" (UTC) into minutes of the day.
func parseWindow(w string) (from, to int, err error) {
	a, b, ok := strings.Cut(w, "-")
	if !ok {
		return 0, 0, fmt.Errorf("window %q is not HH:MM-HH:MM", w)
	}
	if from, err = hhmm(a); err != nil {
		return 0, 0, err
	}
	to, err = hhmm(b)
	return from, to, err
}

func hhmm(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// deprecationHeaders adds RFC 9745 Deprecation, RFC 8594 Sunset and a Link
// to the native Glance resource, when configured.
func (s *Server) deprecationHeaders(k *request) {
	if !s.cfg.DeprecationHeaders {
		return
	}
	h := k.Response().Header()
	if !s.cfg.DeprecatedSince.IsZero() {
		h.Set("Deprecation", "@"+strconv.FormatInt(s.cfg.DeprecatedSince.Unix(), 10))
	} else {
		h.Set("Deprecation", "@0")
	}
	if !s.cfg.Sunset.IsZero() {
		h.Set("Sunset", s.cfg.Sunset.UTC().Format(http.TimeFormat))
	}
	target := strings.TrimRight(GlanceLinkBase(k.glanceURL), "/") + "/v2/images"
	if id := k.image; id != "" {
		target += "/" + id
	}
	h.Add("Link", "<"+target+`>; rel="alternate"; type="application/json"`)
	if s.cfg.DeprecationInfoURL != "" {
		h.Add("Link", "<"+s.cfg.DeprecationInfoURL+`>; rel="deprecation"; type="text/html"`)
	}
}

// instrumentedGlance measures every Glance call.
type instrumentedGlance struct {
	next Glance
	m    *metrics
}

func (g *instrumentedGlance) observe(op string, start time.Time, err error) {
	g.m.upstream.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err == nil {
		return
	}
	kind := "other"
	if gf, ok := err.(*translate.GlanceFault); ok {
		kind = "transport"
		if gf.Status > 0 {
			kind = strconv.Itoa(gf.Status)
		}
	}
	g.m.upstreamKO.WithLabelValues(op, kind).Inc()
}

func (g *instrumentedGlance) List(ctx context.Context, token, endpoint, query string, want int64) ([]translate.GlanceImage, error) {
	start := time.Now()
	v, err := g.next.List(ctx, token, endpoint, query, want)
	g.observe("list", start, err)
	return v, err
}

func (g *instrumentedGlance) Get(ctx context.Context, token, endpoint, id string) (translate.GlanceImage, error) {
	start := time.Now()
	v, err := g.next.Get(ctx, token, endpoint, id)
	g.observe("get", start, err)
	return v, err
}

func (g *instrumentedGlance) Delete(ctx context.Context, token, endpoint, id string) error {
	start := time.Now()
	err := g.next.Delete(ctx, token, endpoint, id)
	g.observe("delete", start, err)
	return err
}

func (g *instrumentedGlance) Patch(ctx context.Context, token, endpoint, id string, ops []translate.PatchOp) (translate.GlanceImage, error) {
	start := time.Now()
	v, err := g.next.Patch(ctx, token, endpoint, id, ops)
	g.observe("patch", start, err)
	return v, err
}
