package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPassThrough is a GET /v2.1/flavors through imagegw to a fake
// Nova on loopback, against the same request to the fake directly: the
// difference is what the pass-through costs (make bench measures it
// against the real nova-api, whose own time is far larger and noisier).
func BenchmarkPassThrough(b *testing.B) {
	s, fn := newNovaServer(b, nil)
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
