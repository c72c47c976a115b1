package proxy

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/proxy/upstream"
)

func TestRequestIDIsNovaStyleUUID4(t *testing.T) {
	re := regexp.MustCompile(`^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		id := newRequestID()
		require.Regexp(t, re, id)
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
}

// The prebuilt version headers are exactly what SetResponseHeaders writes,
// for every version of the range and outside it, with or without a Vary
// already set; and writing to a response's headers afterwards never
// changes the shared values.
func TestVersionHeadersMatchSetResponseHeaders(t *testing.T) {
	r := microversion.Range{Min: microversion.V(2, 1), Max: microversion.V(2, 95)}
	vh := newVersionHeaders(r)
	versions := []microversion.Version{microversion.V(2, 96), microversion.V(3, 0), microversion.V(1, 1)}
	for m := 1; m <= 95; m++ {
		versions = append(versions, microversion.V(2, m))
	}
	for _, v := range versions {
		for _, pre := range [][]string{nil, {"Accept"}} {
			want, got := http.Header{}, http.Header{}
			if pre != nil {
				want["Vary"], got["Vary"] = append([]string(nil), pre...), append([]string(nil), pre...)
			}
			microversion.SetResponseHeaders(want, v.String())
			require.Equal(t, v.String(), vh.set(got, v))
			require.Equal(t, want, got, v.String())
			got.Add("Vary", "X")
			got.Add(microversion.HeaderLegacy, "Y")
		}
	}
	fresh := http.Header{}
	vh.set(fresh, microversion.V(2, 35))
	require.Equal(t, []string{"compute 2.35"}, fresh.Values(microversion.HeaderStandard))
	require.Equal(t, []string{"2.35"}, fresh.Values(microversion.HeaderLegacy))
	require.Equal(t, []string{microversion.HeaderStandard, microversion.HeaderLegacy}, fresh.Values("Vary"))
}

// slowTokens answers like next after a delay (or when ctx ends).
type slowTokens struct {
	delay time.Duration
	next  upstream.TokenValidator
}

func (s slowTokens) Validate(ctx context.Context, token string) (*upstream.Identity, error) {
	select {
	case <-time.After(s.delay):
		return s.next.Validate(ctx, token)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// A token check that outlasts request_timeout is Nova's 503 within the
// timeout, cached validator or not (token-cache hits skip the deadline,
// a Keystone call must not).
func TestSlowTokenValidationKeepsTheRequestTimeout(t *testing.T) {
	for _, ttl := range []time.Duration{0, time.Minute} {
		cfg := config.Defaults()
		cfg.RequestTimeout = 200 * time.Millisecond
		require.NoError(t, cfg.Resolve())
		_, fg := newTestServer(t, nil)
		s := mustNew(t, Deps{Config: cfg, Glance: &upstream.GophercloudGlance{HTTPClient: fg.Client()}, AuthURI: "http://k",
			Tokens: upstream.NewCachedValidator(slowTokens{2 * time.Second, fakeTokens{"ta": identity("pa", "member")}}, ttl)})
		start := time.Now()
		rec := get(s, "GET", "/v2.1/images", "ta", "")
		require.Less(t, time.Since(start), time.Second, "ttl %s", ttl)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
		require.Contains(t, rec.Body.String(), `"serviceUnavailable"`)
		require.Zero(t, fg.Calls.Load(), "no Glance call after the deadline")
	}
}

// A panic while a shared cache fill renders is the request's 500
// computeFault, not a crash of the process (singleflight re-panics in its
// own goroutine, out of recoverPanic's reach).
func TestPanicInSharedFillIsA500(t *testing.T) {
	s, _ := newTestServer(t, nil)
	s.Echo().GET("/v2.1/boom/:id", s.api(&route{group: imageRoutes, op: "boom"}, s.read(kindImage, func(*fill) (any, error) { panic("view") })))
	rec := get(s, "GET", "/v2.1/boom/a1", "ta", "")
	require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"computeFault"`)
	require.Equal(t, http.StatusOK, get(s, "GET", "/v2.1/images/a1", "ta", "").Code, "still serving")
}
