package proxy

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRouter: whatever a client sends (method, path, query, headers,
// body), imagegw never panics and never answers 5xx for a client mistake
// (the fake Glance never fails).
func FuzzRouter(f *testing.F) {
	s, _ := newTestServer(f, nil)
	for _, c := range [][4]string{
		{"GET", "/v2.1/images/detail?limit=1", "2.35", ""},
		{"POST", "/v2.1/images/a1/metadata", "2.38", `{"metadata": {"a": "1"}}`},
		{"PUT", "/v2.1/images/a1/metadata/k", "latest", `{"meta": {"k": "v"}}`},
		{"DELETE", "/v2/pa/images/a1/metadata/k", "garbage", ""},
		{"GET", "/v2.1//images/%2F/metadata/a%2Fb", "", ""},
		{"PATCH", "/v2.1/pa/images", "2.1", "{"},
		{"GET", "/", "", ""},
	} {
		f.Add(c[0], c[1], c[2], c[3])
	}
	f.Fuzz(func(t *testing.T, method, target, version, body string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \t\r\n#") {
			return // not a request target a server could receive
		}
		req, err := http.NewRequest(method, "http://gw.test"+target, strings.NewReader(body))
		if err != nil {
			return // not a request line a server could receive (bad method or URL)
		}
		req.Header.Set("X-Auth-Token", "ta")
		req.Header.Set("X-OpenStack-Nova-API-Version", version)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s (version %q, body %q) -> %d %s", method, target, version, body, rec.Code, rec.Body.String())
		}
	})
}
