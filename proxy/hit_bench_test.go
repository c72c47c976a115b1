package proxy

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/proxy/upstream/upstreamtest"
	"github.com/imagegw/imagegw/translate"
)

// discardWriter is a ResponseWriter that keeps nothing but the status,
// so the benchmarks below measure the handler chain, not a recorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// hitRequest is the request wrk sends in make bench: a Keystone-sized
// token, the microversion header, keep-alive.
func hitRequest(path string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:48800"+path, nil)
	r.RequestURI = path
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("X-Auth-Token", strings.Repeat("gAAAAABk", 23))
	r.Header.Set("X-Openstack-Nova-Api-Version", "2.35")
	r.Header.Set("User-Agent", "wrk")
	return r
}

// BenchmarkHitShow is one cache hit of GET /v2.1/images/{id} through the
// whole middleware chain as the binary runs it (JSON log line, token
// cache, metrics); compare with BenchmarkBareEchoShow.
func BenchmarkHitShow(b *testing.B) {
	cfg := config.Defaults()
	cfg.CacheTTLImage = time.Hour
	_ = cfg.Resolve()
	tok := strings.Repeat("gAAAAABk", 23)
	fg := upstreamtest.NewGlance(b)
	fg.Projects[tok] = "pa"
	fg.Images["a1"] = translate.GlanceImage{"id": "a1", "name": "a-one", "owner": "pa", "status": "active", "k": "v"}
	id := identity("pa", "member")
	id.ExpiresAt = time.Now().Add(time.Hour)
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		&zapcore.BufferedWriteSyncer{WS: zapcore.AddSync(io.Discard), Size: 256 << 10}, zap.InfoLevel)
	s := mustNew(b, Deps{Config: cfg, Glance: &upstream.GophercloudGlance{HTTPClient: fg.Client()}, Tokens: upstream.NewCachedValidator(fakeTokens{tok: id}, 5*time.Minute),
		Log: zap.New(core)})
	w := &discardWriter{h: http.Header{}}
	s.ServeHTTP(w, hitRequest("/v2.1/images/a1"))
	if w.status != 200 {
		b.Fatal(w.status)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := &discardWriter{h: http.Header{}}
		s.ServeHTTP(w, hitRequest("/v2.1/images/a1"))
	}
}

// BenchmarkBareEchoShow is the floor: Echo writing the same bytes.
func BenchmarkBareEchoShow(b *testing.B) {
	e := echo.New()
	body := []byte(`{"image": {"id": "a1", "name": "a-one"}}`)
	e.GET("/v2.1/images/:id", func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Openstack-Request-Id", "req-5c4e5b8e-7f7b-4a8a-9a57-5ef2bd0f8a3c")
		h.Set("X-Compute-Request-Id", "req-5c4e5b8e-7f7b-4a8a-9a57-5ef2bd0f8a3c")
		h.Set("Openstack-Api-Version", "compute 2.35")
		h.Set("X-Openstack-Nova-Api-Version", "2.35")
		h.Set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
		return c.Blob(200, "application/json", body)
	})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := &discardWriter{h: http.Header{}}
		e.ServeHTTP(w, hitRequest("/v2.1/images/a1"))
	}
}
