package proxy

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/proxy/upstream/upstreamtest"
)

// scripted is a fake Glance that answers every request with do.
func scripted(t *testing.T, do func(n int64, w http.ResponseWriter, r *http.Request)) *upstreamtest.Glance {
	g := upstreamtest.NewGlance(t)
	g.Fault = func(n int64, w http.ResponseWriter, r *http.Request) bool { do(n, w, r); return true }
	return g
}

const okImage = `{"id": "a1", "name": "n", "status": "active", "owner": "pa", "size": 1, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}`

func serverFor(t *testing.T, glanceURL string, timeout time.Duration) *Server {
	cfg := config.Defaults()
	cfg.GlanceURL = glanceURL
	cfg.CacheTTLImage, cfg.CacheTTLList = 0, 0
	require.NoError(t, cfg.Resolve())
	return mustNew(t, Deps{Config: cfg, Tokens: fakeTokens{"ta": identity("pa", "member")},
		Glance: &upstream.GophercloudGlance{HTTPClient: &http.Client{Timeout: timeout}, RetryBackoff: 20 * time.Millisecond}})
}

func faultBody(t *testing.T, rec *httptest.ResponseRecorder) (string, string) {
	var m map[string]map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), rec.Body.String())
	for k, v := range m {
		return k, v["message"].(string)
	}
	return "", ""
}

// upstreamFault is one scripted Glance misbehaviour and Nova's answer.
type upstreamFault struct {
	name      string
	do        func(n int64, w http.ResponseWriter, r *http.Request)
	status    int
	fault     string
	msgSuffix string
	calls     int64
}

const glanceDown = "<class 'nova.exception.GlanceConnectionFailed'>"

func upstreamFaults() []upstreamFault {
	return []upstreamFault{
		{"500 is Nova's 500", func(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) },
			500, "computeFault", "<class 'glanceclient.exc.HTTPInternalServerError'>", 1},
		{"503 twice: retried once, then Nova's connection failure", func(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) },
			500, "computeFault", glanceDown, 2},
		{"503 then 200: the retry succeeds", func(n int64, w http.ResponseWriter, _ *http.Request) {
			if n == 1 {
				w.WriteHeader(503)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(okImage))
		}, 200, "", "", 2},
		{"slow beyond the timeout", func(_ int64, w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}, 500, "computeFault", glanceDown, 2},
		{"truncated JSON", func(_ int64, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(okImage[:20]))
		}, 500, "computeFault", glanceDown, 2},
		{"not JSON", func(_ int64, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>proxy error</html>"))
		}, 500, "computeFault", glanceDown, 2}, // an unreadable answer is retried like a broken connection
		{"connection reset", func(_ int64, w http.ResponseWriter, _ *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
		}, 500, "computeFault", glanceDown, 2},
	}
}

func TestUpstreamFaultsAnswerNovaStyle(t *testing.T) {
	before := goleak.IgnoreCurrent()
	for _, tt := range upstreamFaults() {
		t.Run(tt.name, func(t *testing.T) {
			fg := scripted(t, tt.do)
			s := serverFor(t, fg.URL, 300*time.Millisecond)
			start := time.Now()
			rec := get(s, "GET", "/v2.1/images/a1", "ta", "")
			require.Less(t, time.Since(start), 1500*time.Millisecond, "answered within the configured timeouts")
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			require.Equal(t, tt.calls, fg.Calls.Load(), "upstream calls")
			if tt.fault != "" {
				name, msg := faultBody(t, rec)
				require.Equal(t, tt.fault, name)
				require.True(t, strings.HasPrefix(msg, "Unexpected API Error."), msg)
				require.True(t, strings.HasSuffix(msg, tt.msgSuffix), msg)
				require.Equal(t, "application/json; charset=UTF-8", rec.Header().Get("Content-Type"))
			}
		})
	}
	// connection refused: a port nobody listens on
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	s := serverFor(t, "http://"+addr, 300*time.Millisecond)
	rec := get(s, "GET", "/v2.1/images/detail", "ta", "")
	require.Equal(t, 500, rec.Code)
	_, msg := faultBody(t, rec)
	require.True(t, strings.HasSuffix(msg, glanceDown), msg)

	// writes are never retried
	fg := scripted(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) })
	rec = get(serverFor(t, fg.URL, time.Second), "DELETE", "/v2.1/images/a1", "ta", "")
	fg.Close()
	require.Equal(t, 500, rec.Code)
	require.EqualValues(t, 1, fg.Calls.Load())

	// recovered without restart: the same server answers once Glance is back
	back := scripted(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(okImage))
	})
	s2 := serverFor(t, back.URL, time.Second)
	require.Equal(t, 200, get(s2, "GET", "/v2.1/images/a1", "ta", "").Code)
	back.Close()

	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	// go-cache's janitors live until their cache is collected: not a leak
	goleak.VerifyNone(t, before, goleak.IgnoreAnyFunction("github.com/patrickmn/go-cache.(*janitor).Run"))
}

func TestPanicIsA500ComputeFault(t *testing.T) {
	s, _ := newTestServer(t, nil)
	s.Echo().GET("/v2.1/panic", func(c echo.Context) error { panic("boom") })
	rec := get(s, "GET", "/v2.1/panic", "ta", "")
	require.Equal(t, 500, rec.Code)
	name, msg := faultBody(t, rec)
	require.Equal(t, "computeFault", name)
	require.Contains(t, msg, "Unexpected API Error.")
	require.Equal(t, 200, get(s, "GET", "/v2.1/images/a1", "ta", "").Code, "still serving")
}

// The limits as measured on Nova Zed's eventlet server: a request line of
// 8191 bytes with its CRLF is served, 8192 is 414; a header line of 16383
// bytes with its CRLF is served, 16384 is 400; more than 65536 bytes of
// header lines is 400.
func TestRequestLimitsAsEventlet(t *testing.T) {
	s, fg := newTestServer(t, nil)
	const lineOverhead = len("GET ") + len(" HTTP/1.1\r\n")
	uri := func(lineLen int) string {
		path := "/v2.1/images?x="
		return path + strings.Repeat("a", lineLen-lineOverhead-len(path))
	}
	header := func(name string, lineLen int) string { return strings.Repeat("b", lineLen-len(name)-4) }
	for _, tc := range []struct {
		name    string
		req     func() *http.Request
		status  int
		limited bool
	}{
		{"request line 8191", func() *http.Request { return newReq("GET", uri(8191), "ta") }, 200, false},
		{"request line 8192", func() *http.Request { return newReq("GET", uri(8192), "ta") }, 414, true},
		{"header line 16383", func() *http.Request {
			r := newReq("GET", "/v2.1/images", "ta")
			r.Header.Set("X-Big", header("X-Big", 16383))
			return r
		}, 200, false},
		{"header line 16384", func() *http.Request {
			r := newReq("GET", "/v2.1/images", "ta")
			r.Header.Set("X-Big", header("X-Big", 16384))
			return r
		}, 400, true},
		{"headers over 65536 in all", func() *http.Request {
			r := newReq("GET", "/v2.1/images", "ta")
			for i := 0; i < 5; i++ {
				r.Header.Set(fmt.Sprintf("X-Big-%d", i), header("X-Big-0", 14000))
			}
			return r
		}, 400, true},
	} {
		calls := fg.Calls.Load()
		rec := newRec()
		s.ServeHTTP(rec, tc.req())
		require.Equal(t, tc.status, rec.Code, tc.name)
		if tc.limited {
			require.Empty(t, rec.Body.String(), tc.name)
			require.Equal(t, "close", rec.Header().Get("Connection"), tc.name)
			require.Equal(t, calls, fg.Calls.Load(), tc.name)
		}
	}
}

func TestWaitersKeepTheirRequestTimeout(t *testing.T) {
	s, fg := newTestServer(t, func(c *config.Config) { c.RequestTimeout = 150 * time.Millisecond })
	fg.Block = make(chan struct{})
	defer close(fg.Block)
	start := time.Now()
	rec := get(s, "GET", "/v2.1/images", "ta", "")
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, 500, rec.Code)
	_, msg := faultBody(t, rec)
	require.True(t, strings.HasSuffix(msg, "<class 'nova.exception.GlanceConnectionFailed'>"), msg)
}

// A list page Glance answers 200 but that is no image list is a failed
// read (retried once, then Nova's connection failure), never an empty list.
func TestListPageFaults(t *testing.T) {
	glanceDown := "<class 'nova.exception.GlanceConnectionFailed'>"
	for _, tc := range []struct{ name, contentType, body string }{
		{"HTML", "text/html", "<html>proxy error</html>"},
		{"JSON without images", "application/json", `{"error": "x"}`},
		{"JSON array", "application/json", `[1, 2]`},
		{"images not an array", "application/json", `{"images": {}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fg := scripted(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = w.Write([]byte(tc.body))
			})
			rec := get(serverFor(t, fg.URL, time.Second), "GET", "/v2.1/images/detail", "ta", "")
			require.Equal(t, 500, rec.Code, rec.Body.String())
			_, msg := faultBody(t, rec)
			require.True(t, strings.HasSuffix(msg, glanceDown), msg)
			require.EqualValues(t, 2, fg.Calls.Load(), "retried once")
		})
	}
	// an empty page is an empty list
	empty := scripted(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		_, _ = w.Write([]byte(`{"images": [], "first": "/v2/images", "schema": "/v2/schemas/images"}`))
	})
	rec := get(serverFor(t, empty.URL, time.Second), "GET", "/v2.1/images/detail", "ta", "")
	require.Equal(t, 200, rec.Code)
	require.JSONEq(t, `{"images": []}`, rec.Body.String())
}
