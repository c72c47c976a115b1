package proxy

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imagegw/imagegw/config"
)

// glancePage is a Glance list page of n copies of a recorded Glance image
// (translate/testdata/views/ref-active.glance.json), ids varied.
func glancePage(tb testing.TB, n int) []byte {
	img, err := os.ReadFile("../translate/testdata/views/ref-active.glance.json")
	if err != nil {
		tb.Fatal(err)
	}
	const id = "cb023f1b-3445-5fde-a204-cdab265907c3"
	var b bytes.Buffer
	b.WriteString(`{"images": [`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Write(bytes.ReplaceAll(bytes.TrimSpace(img), []byte(id), []byte(fmt.Sprintf("%s%04d", id[:32], i))))
	}
	b.WriteString(`], "first": "/v2/images?limit=1000", "schema": "/v2/schemas/images"}`)
	return b.Bytes()
}

// BenchmarkMissDetail is a cache miss of GET /v2.1/images/detail?limit=N
// through the whole server and the gophercloud Glance client, against an
// httptest Glance serving a recorded image N times: imagegw's own cost
// of a miss (Glance's time excluded).
func BenchmarkMissDetail(b *testing.B) {
	for _, n := range []int{50, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			page := glancePage(b, n)
			glance := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(page)
			}))
			defer glance.Close()
			cfg := config.Defaults()
			cfg.GlanceURL = glance.URL
			cfg.CacheTTLList, cfg.CacheTTLImage, cfg.CacheTTLMetadata = 0, 0, 0
			_ = cfg.Validate()
			tok := strings.Repeat("gAAAAABk", 23)
			id := identity("f2aa6335c33f40c58226f98ef79b9235", "member")
			id.ExpiresAt = time.Now().Add(time.Hour)
			s := New(Deps{Config: cfg, Glance: &GophercloudGlance{HTTPClient: &http.Client{}},
				Tokens: NewCachedValidator(fakeTokens{tok: id}, 5*time.Minute)})
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
