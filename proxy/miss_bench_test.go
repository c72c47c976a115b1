package proxy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/proxy/upstream/upstreamtest"
)

// BenchmarkMissDetail is a cache miss of GET /v2.1/images/detail?limit=N
// through the whole server and the gophercloud Glance client, against an
// httptest Glance serving a recorded image N times: imagegw's own cost
// of a miss (Glance's time excluded).
func BenchmarkMissDetail(b *testing.B) {
	for _, n := range []int{50, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			page := upstreamtest.GlancePage(b, n)
			glance := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(page)
			}))
			defer glance.Close()
			cfg := config.Defaults()
			cfg.GlanceURL = glance.URL
			cfg.CacheTTLList, cfg.CacheTTLImage, cfg.CacheTTLMetadata = 0, 0, 0
			_ = cfg.Resolve()
			tok := strings.Repeat("gAAAAABk", 23)
			id := identity("f2aa6335c33f40c58226f98ef79b9235", "member")
			id.ExpiresAt = time.Now().Add(time.Hour)
			s := mustNew(b, Deps{Config: cfg, Glance: &upstream.GophercloudGlance{HTTPClient: &http.Client{}},
				Tokens: upstream.NewCachedValidator(fakeTokens{tok: id}, 5*time.Minute)})
			path := fmt.Sprintf("/v2.1/images/detail?limit=%d", n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w := &discardWriter{h: http.Header{}}
				s.ServeHTTP(w, hitRequest(path))
				if w.status != 200 {
					b.Fatal(w.status)
				}
			}
			b.SetBytes(int64(len(page)))
		})
	}
}
