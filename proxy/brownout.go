package proxy

// Migration signals on proxied calls, off by default (Nova has none):
// brownouts answer as above the routes' range, deprecation headers point
// at the native Glance call.

import (
	"fmt"
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
	mins := now.UTC().Hour()*60 + now.UTC().Minute()
	for _, w := range s.cfg.BrownoutWindows {
		from, to, _ := parseWindow(w)
		if (from <= to && mins >= from && mins < to) || (from > to && (mins >= from || mins < to)) {
			return true
		}
	}
	return s.cfg.BrownoutPercent > 0 && rand.Float64()*100 < s.cfg.BrownoutPercent
}

// parseWindow reads "HH:MM-HH:MM" (UTC) into minutes of the day.
func parseWindow(w string) (from, to int, err error) {
	a, b, ok := strings.Cut(w, "-")
	if !ok {
		return 0, 0, fmt.Errorf("window %q is not HH:MM-HH:MM", w)
	}
	if from, err = hhmm(a); err != nil {
		return 0, 0, err
	}
	to, err = hhmm(b)
	return from, to, err
}

func hhmm(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
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
