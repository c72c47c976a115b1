package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/proxy/upstream/upstreamtest"
)

// BenchmarkPassThrough is a GET /v2.1/flavors through imagegw to a fake
// Nova on loopback, against the same request to the fake directly: the
// difference is what the pass-through costs (make bench measures it
// against the real nova-api, whose own time is far larger and noisier).
func BenchmarkPassThrough(b *testing.B) {
	fn := upstreamtest.NewNova(b)
	cfg := config.Defaults()
	cfg.NovaURL = fn.URL
	require.NoError(b, cfg.Resolve())
	s := mustNew(b, Deps{Config: cfg, Tokens: fakeTokens{}, Glance: &upstream.GophercloudGlance{HTTPClient: http.DefaultClient}})
	n, err := upstream.NewNova(fn.URL, time.Second)
	require.NoError(b, err)
	require.NoError(b, s.FrontNova("", n))
	b.Cleanup(s.Close)
	gw := httptest.NewServer(s)
	b.Cleanup(gw.Close)
	for _, bc := range []struct{ name, base string }{{"direct", fn.URL}, {"through-imagegw", gw.URL}} {
		b.Run(bc.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			req, _ := http.NewRequest("GET", bc.base+"/v2.1/flavors", nil)
			req.Header.Set("X-Auth-Token", "t")
			b.ReportAllocs()
			for b.Loop() {
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}
