package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/redis/rueidis"

	"github.com/imagegw/imagegw/microversion"
)

// Resolve fills the parsed values (Max, ImagesMax, MetadataMax, Brownouts,
// Regions)
// from their keys, then checks the whole configuration. Load and Defaults
// call it; code that changes a version or brownout key of a Config must
// call it again. Each error names the offending key.
func (c *Config) Resolve() error {
	for _, v := range c.versionKeys() {
		p, err := parseVersion(v.key, v.s)
		if err != nil {
			return err
		}
		*v.dst = p
	}
	ws, err := parseWindows(c.BrownoutWindows)
	if err != nil {
		return fmt.Errorf("config: brownout_windows: %w", err)
	}
	c.Brownouts = ws
	rs, err := parseRegions(c.RegionEntries)
	if err != nil {
		return fmt.Errorf("config: regions: %w", err)
	}
	c.Regions = rs
	return c.Check()
}

// Check reports the first invalid value, naming its key. It changes
// nothing, so it also catches a version or brownout key changed without
// Resolve: the parsed values must match their keys.
func (c Config) Check() error {
	for _, check := range []func() error{
		c.checkAddresses, c.checkChoices, c.checkDurations, c.checkLimits,
		c.checkVersions, c.checkBrownouts, c.checkRegions, c.checkDeprecation,
	} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) checkAddresses() error {
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		return fmt.Errorf("config: listen: %q is not host:port", c.Listen)
	}
	for _, u := range []struct{ key, val string }{
		{"glance_url", c.GlanceURL}, {"keystone_url", c.KeystoneURL}, {"public_url", c.PublicURL}, {"nova_url", c.NovaURL},
	} {
		if u.val == "" {
			continue
		}
		if !absoluteHTTP(u.val) {
			return fmt.Errorf("config: %s: %q is not an absolute http(s) URL", u.key, u.val)
		}
	}
	if c.NotificationsURL != "" {
		p, err := url.Parse(c.NotificationsURL)
		if err != nil || (p.Scheme != "amqp" && p.Scheme != "amqps") || p.Host == "" {
			return fmt.Errorf("config: notifications_url: %q is not an amqp(s):// URL", c.NotificationsURL)
		}
		if c.NotificationsExchange == "" || c.NotificationsTopic == "" {
			return errors.New("config: notifications_exchange, notifications_topic: must not be empty")
		}
	}
	if c.NovaURL != "" {
		if err := checkNovaRoot(c.NovaURL); err != nil {
			return fmt.Errorf("config: nova_url: %w", err)
		}
	}
	// every Nova, the top-level one or a region's, is followed at this
	// interval: 0 would fetch its version document in a tight loop
	if c.fronted() && c.NovaVersionsInterval <= 0 {
		return fmt.Errorf("config: nova_versions_interval: %s is not positive", c.NovaVersionsInterval)
	}
	if c.RedisURL != "" {
		// the client's own parser: what it cannot connect to fails here,
		// at start, not in the first session (redis-sentinel:// of other
		// clients is one: Sentinel is ?master_set=, a Cluster ?addr=)
		if _, err := rueidis.ParseURL(c.RedisURL); err != nil {
			return fmt.Errorf("config: redis_url: %q: %v (redis://, rediss:// or unix://; Sentinel: ?master_set=name&addr=…)", c.RedisURL, err)
		}
	}
	if c.Coordination != CoordinationBestEffort && c.Coordination != CoordinationStrict {
		return fmt.Errorf("config: coordination: %q is not %s or %s", c.Coordination, CoordinationBestEffort, CoordinationStrict)
	}
	if c.OperatorListen != "" {
		if _, port, err := net.SplitHostPort(c.OperatorListen); err != nil || port == "" || c.OperatorListen == c.Listen {
			return fmt.Errorf("config: operator_listen: %q is not a host:port other than listen", c.OperatorListen)
		}
	}
	return nil
}

func (c Config) checkChoices() error {
	switch c.Interface {
	case "public", "internal", "admin":
	default:
		return fmt.Errorf("config: interface: %q is not one of public, internal, admin", c.Interface)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.Region == "" {
		return errors.New("config: region: must not be empty")
	}
	if c.OperatorRole == "" {
		return errors.New("config: operator_role: must not be empty")
	}
	return nil
}

// checkDurations: none may be negative, and an upstream call needs time.
func (c Config) checkDurations() error {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"cache_ttl_list", c.CacheTTLList}, {"cache_ttl_image", c.CacheTTLImage},
		{"cache_ttl_metadata", c.CacheTTLMetadata}, {"token_cache_ttl", c.TokenCacheTTL},
		{"request_timeout", c.RequestTimeout}, {"read_header_timeout", c.ReadHeaderTimeout},
		{"read_timeout", c.ReadTimeout}, {"write_timeout", c.WriteTimeout},
		{"idle_timeout", c.IdleTimeout}, {"shutdown_grace", c.ShutdownGrace},
		{"upstream_retry_backoff", c.UpstreamRetryBackoff}, {"ready_cache_ttl", c.ReadyCacheTTL},
		{"cache_ttl_unsubscribed", c.CacheTTLUnsubscribed},
		{"invalid_token_cache_ttl", c.InvalidTokenCacheTTL},
	} {
		if d.v < 0 {
			return fmt.Errorf("config: %s: %s is negative", d.key, d.v)
		}
	}
	if c.UpstreamTimeout <= 0 {
		return fmt.Errorf("config: upstream_timeout: %s must be positive", c.UpstreamTimeout)
	}
	return nil
}

func (c Config) checkLimits() error {
	switch {
	case c.MetadataItems < -1:
		return fmt.Errorf("config: metadata_items: %d must be -1 (unlimited) or more", c.MetadataItems)
	case c.InvalidTokenCacheMax < 0:
		return fmt.Errorf("config: invalid_token_cache_max: %d is negative (0 disables)", c.InvalidTokenCacheMax)
	case c.MaxURLLength < 0:
		return fmt.Errorf("config: max_url_length: %d is negative (0 disables)", c.MaxURLLength)
	case c.MaxHeaderLine < 0:
		return fmt.Errorf("config: max_header_line: %d is negative (0 disables)", c.MaxHeaderLine)
	case c.MaxHeaderBytes < 4096:
		return fmt.Errorf("config: max_header_bytes: %d must be at least 4096", c.MaxHeaderBytes)
	case c.CacheMaxEntries < 1:
		return fmt.Errorf("config: cache_max_entries: %d must be at least 1", c.CacheMaxEntries)
	case c.CacheMaxBytes < 1024:
		return fmt.Errorf("config: cache_max_bytes: %d must be at least 1024", c.CacheMaxBytes)
	case c.GCMinHeadroom < 0:
		return fmt.Errorf("config: gc_min_headroom: %d is negative (0 disables)", c.GCMinHeadroom)
	case c.BrownoutPercent < 0 || c.BrownoutPercent > 100:
		return fmt.Errorf("config: brownout_percent: %v is not within 0..100", c.BrownoutPercent)
	}
	return nil
}

type versionKey struct {
	key string
	s   string
	dst *microversion.Version
}

// versionKeys pairs each version key with its parsed field (of c itself:
// Check works on a copy, Resolve on the caller's Config).
func (c *Config) versionKeys() []versionKey {
	return []versionKey{
		{"max_version", c.MaxVersion, &c.Max},
		{"images_max_version", c.ImagesMaxVersion, &c.ImagesMax},
		{"metadata_max_version", c.MetadataMaxVersion, &c.MetadataMax},
	}
}

func parseVersion(key, s string) (microversion.Version, error) {
	v, err := microversion.Parse(strings.TrimSpace(s))
	if err != nil {
		return v, fmt.Errorf("config: %s: %q is not a version X.Y", key, s)
	}
	if v.Less(microversion.V(2, 1)) {
		return v, fmt.Errorf("config: %s: %s is below 2.1", key, s)
	}
	return v, nil
}

func (c Config) checkVersions() error {
	for _, v := range c.versionKeys() {
		p, err := parseVersion(v.key, v.s)
		if err != nil {
			return err
		}
		if p != *v.dst {
			return fmt.Errorf("config: %s: %q but the parsed value is %s (changed without Resolve)", v.key, v.s, *v.dst)
		}
	}
	if c.Max.Less(c.ImagesMax) {
		return fmt.Errorf("config: images_max_version: %s is above max_version %s", c.ImagesMaxVersion, c.MaxVersion)
	}
	if c.Max.Less(c.MetadataMax) {
		return fmt.Errorf("config: metadata_max_version: %s is above max_version %s", c.MetadataMaxVersion, c.MaxVersion)
	}
	return nil
}

// checkNovaRoot: a nova_url is where Nova serves "/": requests keep their
// /v2.1/… path, so a catalog URL (…/v2.1) would send /v2.1/v2.1/….
func checkNovaRoot(u string) error {
	if p := strings.TrimRight(u, "/"); strings.HasSuffix(p, "/v2.1") || strings.HasSuffix(p, "/v2") {
		return fmt.Errorf("%q names an API version; give Nova's root (without /v2.1)", u)
	}
	return nil
}

// absoluteHTTP: an http(s) URL with a host.
func absoluteHTTP(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// fronted: some Nova is behind imagegw (nova_url, or a region's).
func (c Config) fronted() bool {
	if c.NovaURL != "" {
		return true
	}
	return slices.ContainsFunc(c.Regions, func(r Region) bool { return r.NovaURL != "" })
}

// checkRegions: the entries parse, match the parsed regions, and a
// region's nova_url, like nova_url, is Nova's root.
func (c Config) checkRegions() error {
	rs, err := parseRegions(c.RegionEntries)
	if err != nil {
		return fmt.Errorf("config: regions: %w", err)
	}
	if !slices.Equal(rs, c.Regions) {
		return fmt.Errorf("config: regions: %q but the parsed regions are %v (changed without Resolve)", c.RegionEntries, c.Regions)
	}
	for _, r := range rs {
		if err := checkNovaRoot(r.NovaURL); err != nil {
			return fmt.Errorf("config: regions: %s: nova_url: %w", r.Name, err)
		}
	}
	return nil
}

func (c Config) checkBrownouts() error {
	ws, err := parseWindows(c.BrownoutWindows)
	if err != nil {
		return fmt.Errorf("config: brownout_windows: %w", err)
	}
	if !slices.Equal(ws, c.Brownouts) {
		return fmt.Errorf("config: brownout_windows: %q but the parsed windows are %v (changed without Resolve)", c.BrownoutWindows, c.Brownouts)
	}
	return nil
}

func (c Config) checkDeprecation() error {
	if c.DeprecationInfoURL != "" {
		if u, err := url.Parse(c.DeprecationInfoURL); err != nil || u.Host == "" {
			return fmt.Errorf("config: deprecation_info_url: %q is not an absolute URL", c.DeprecationInfoURL)
		}
	}
	return nil
}
