package proxy

// Migration signals on proxied calls, off by default (Nova has none):
// brownouts answer as above the routes' range, deprecation headers point
// at the native Glance call.

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/imagegw/imagegw/proxy/upstream"
)

// brownout reports whether now falls in a configured brownout: a daily
// UTC window, or a random share of calls.
func (s *Server) brownout(now time.Time) bool {
	for _, w := range s.cfg.Brownouts { // parsed once, by config
		if w.Contains(now) {
			return true
		}
	}
	return s.cfg.BrownoutPercent > 0 && rand.Float64()*100 < s.cfg.BrownoutPercent
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
	target := strings.TrimRight(upstream.GlanceLinkBase(k.glanceURL), "/") + "/v2/images"
	if id := k.image; id != "" {
		target += "/" + id
	}
	h.Add("Link", "<"+target+`>; rel="alternate"; type="application/json"`)
	if s.cfg.DeprecationInfoURL != "" {
		h.Add("Link", "<"+s.cfg.DeprecationInfoURL+`>; rel="deprecation"; type="text/html"`)
	}
}
