package proxy

// imagegw's Prometheus metrics (on the operator listener) and the
// decorator that times every Glance call.

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/translate"
)

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

// instrumentedGlance measures every Glance call.
type instrumentedGlance struct {
	next upstream.Glance
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
