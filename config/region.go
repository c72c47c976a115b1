package config

import (
	"fmt"
	"regexp"
	"strings"
)

// Region is one region of a fleet-wide compute endpoint (the regions
// key), parsed once from "NAME /prefix [nova_url=URL] [public_url=URL]
// [glance_url=URL]": requests under /prefix are that region's, served as
// an imagegw of its own would (Glance from the caller's catalog for
// NAME unless glance_url, links under public_url or the request's host
// and /prefix, everything else passed to nova_url).
type Region struct {
	Name, Prefix                  string
	NovaURL, PublicURL, GlanceURL string
}

// prefixRE: one or more path segments of unreserved characters.
var prefixRE = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)

// ParseRegion reads one entry of the regions key.
func ParseRegion(s string) (Region, error) {
	f := strings.Fields(s)
	if len(f) < 2 {
		return Region{}, fmt.Errorf("%q is not \"NAME /prefix [nova_url=URL] [public_url=URL] [glance_url=URL]\"", s)
	}
	r := Region{Name: f[0], Prefix: f[1]}
	if !prefixRE.MatchString(r.Prefix) || r.Prefix == "/v2" || r.Prefix == "/v2.1" || strings.HasPrefix(r.Prefix, "/v2/") ||
		strings.HasPrefix(r.Prefix, "/v2.1/") {
		return Region{}, fmt.Errorf("%q: prefix %q is not a path such as /regionone outside the API mounts", s, r.Prefix)
	}
	for _, kv := range f[2:] {
		k, v, _ := strings.Cut(kv, "=")
		var at *string
		switch k {
		case "nova_url":
			at = &r.NovaURL
		case "public_url":
			at = &r.PublicURL
		case "glance_url":
			at = &r.GlanceURL
		default:
			return Region{}, fmt.Errorf("%q: %q is not nova_url=, public_url= or glance_url=", s, kv)
		}
		if !absoluteHTTP(v) || *at != "" {
			return Region{}, fmt.Errorf("%q: %s=%q is not one absolute http(s) URL", s, k, v)
		}
		*at = v
	}
	return r, nil
}

// parseRegions reads the regions key: names and prefixes distinct, and
// no prefix inside another's (a request must match one region only).
func parseRegions(entries []string) ([]Region, error) {
	var out []Region
	for _, e := range entries {
		r, err := ParseRegion(e)
		if err != nil {
			return nil, err
		}
		for _, o := range out {
			if o.Name == r.Name || o.Prefix == r.Prefix || strings.HasPrefix(r.Prefix, o.Prefix+"/") || strings.HasPrefix(o.Prefix, r.Prefix+"/") {
				return nil, fmt.Errorf("%q and %q overlap (names and prefixes must be distinct)", o.Name+" "+o.Prefix, r.Name+" "+r.Prefix)
			}
		}
		out = append(out, r)
	}
	return out, nil
}
