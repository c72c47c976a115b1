// Package config loads, defaults and validates imagegw's configuration once
// at start: built-in defaults, then a YAML file, then IMAGEGW_* environment
// variables, then command-line flags (each later source wins).
package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/imagegw/imagegw/microversion"
)

// Config is imagegw's whole configuration.
type Config struct {
	// Listen is the address the Nova-compatible API listens on.
	Listen string `yaml:"listen"`
	// PublicURL replaces scheme://host of the links imagegw builds (Nova's
	// [api] compute_link_prefix). Empty: taken from each request.
	PublicURL string `yaml:"public_url"`

	// Cloud names the clouds.yaml entry holding imagegw's service
	// credentials (used to validate users' tokens). Empty: OS_* variables.
	Cloud string `yaml:"cloud"`
	// Region and Interface select the Glance endpoint in a user's catalog.
	Region    string `yaml:"region"`
	Interface string `yaml:"interface"`
	// GlanceURL, when set, is used instead of the catalog's image endpoint.
	GlanceURL string `yaml:"glance_url"`
	// KeystoneURL, when set, is the identity endpoint users' tokens are
	// validated at, instead of the catalog's (e.g. an internal endpoint).
	// imagegw's own service user still authenticates at its auth_url.
	KeystoneURL string `yaml:"keystone_url"`

	// MaxVersion is the highest compute microversion advertised;
	// ImagesMaxVersion and MetadataMaxVersion the last versions serving the
	// image and image-metadata routes (Nova Zed: 2.93, 2.35, 2.38).
	MaxVersion         string `yaml:"max_version"`
	ImagesMaxVersion   string `yaml:"images_max_version"`
	MetadataMaxVersion string `yaml:"metadata_max_version"`

	// MetadataItems is the most metadata items an image may have after a
	// write (Nova's metadata_items quota; -1: unlimited).
	MetadataItems int `yaml:"metadata_items"`

	// Response cache: time to live per route kind (0 disables that kind)
	// and bounds of the in-process cache.
	CacheTTLList     time.Duration `yaml:"cache_ttl_list"`
	CacheTTLImage    time.Duration `yaml:"cache_ttl_image"`
	CacheTTLMetadata time.Duration `yaml:"cache_ttl_metadata"`
	CacheMaxEntries  int           `yaml:"cache_max_entries"`
	CacheMaxBytes    int64         `yaml:"cache_max_bytes"`

	// GCMinHeadroom is the least the Go heap may grow between collections
	// (bytes; 0: Go's GOGC=100 alone). Not used when GOGC is set.
	GCMinHeadroom int64 `yaml:"gc_min_headroom"`

	// TokenCacheTTL bounds how long a validated token is trusted without
	// asking Keystone again (never beyond the token's expiry).
	TokenCacheTTL time.Duration `yaml:"token_cache_ttl"`
	// UpstreamTimeout bounds each Keystone or Glance call.
	UpstreamTimeout time.Duration `yaml:"upstream_timeout"`
	// Server limits and timeouts.
	RequestTimeout    time.Duration `yaml:"request_timeout"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	MaxHeaderBytes    int           `yaml:"max_header_bytes"`
	MaxURLLength      int           `yaml:"max_url_length"`
	MaxHeaderLine     int           `yaml:"max_header_line"`
	ShutdownGrace     time.Duration `yaml:"shutdown_grace"`
	// UpstreamRetryBackoff > 0 retries a failed idempotent Glance read once.
	UpstreamRetryBackoff time.Duration `yaml:"upstream_retry_backoff"`

	// Operators: OperatorListen serves /metrics and /migration on a
	// separate address (and not on Listen); OperatorRole is the role a
	// token needs for /migration.
	OperatorListen string `yaml:"operator_listen"`
	OperatorRole   string `yaml:"operator_role"`
	// ReadyCacheTTL: /readyz probes the upstreams at most once per this.
	ReadyCacheTTL time.Duration `yaml:"ready_cache_ttl"`
	// InvalidTokenCacheTTL: a token Keystone refused is refused again
	// without asking for this long, for at most InvalidTokenCacheMax tokens.
	InvalidTokenCacheTTL time.Duration `yaml:"invalid_token_cache_ttl"`
	InvalidTokenCacheMax int           `yaml:"invalid_token_cache_max"`
	// Deprecation signals on proxied responses (off by default: Nova has none).
	DeprecationHeaders bool      `yaml:"deprecation_headers"`
	DeprecatedSince    time.Time `yaml:"deprecated_since"`
	Sunset             time.Time `yaml:"sunset"`
	DeprecationInfoURL string    `yaml:"deprecation_info_url"`
	// Brownouts: daily UTC windows "HH:MM-HH:MM" and/or a share of calls
	// (percent) answered as above the routes' last microversion (404).
	BrownoutWindows []string `yaml:"brownout_windows"`
	BrownoutPercent float64  `yaml:"brownout_percent"`

	// LogLevel: debug, info, warn, error.
	LogLevel string `yaml:"log_level"`

	// Versions parsed from the strings above by Validate.
	Max, ImagesMax, MetadataMax microversion.Version `yaml:"-"`
}

// DefaultOperatorListen is where /metrics, /migration and the detailed
// /readyz are served unless operator_listen says otherwise: loopback, so
// nothing about the projects or the upstreams is public by default.
const DefaultOperatorListen = "127.0.0.1:9774"

// NoOperatorListen as operator_listen serves /metrics and /migration on
// listen instead, to tokens with the operator role only.
const NoOperatorListen = "none"

// Defaults serve `make run` against the local cloud of scripts/cloud.
func Defaults() Config {
	return Config{
		Listen:               "127.0.0.1:8774",
		Region:               "RegionOne",
		Interface:            "public",
		MaxVersion:           "2.93",
		ImagesMaxVersion:     "2.35",
		MetadataMaxVersion:   "2.38",
		MetadataItems:        128,
		CacheTTLList:         10 * time.Second,
		CacheTTLImage:        30 * time.Second,
		CacheTTLMetadata:     30 * time.Second,
		CacheMaxEntries:      100000,
		CacheMaxBytes:        64 << 20,
		GCMinHeadroom:        32 << 20,
		TokenCacheTTL:        5 * time.Minute,
		UpstreamTimeout:      30 * time.Second,
		LogLevel:             "info",
		RequestTimeout:       60 * time.Second,
		ReadHeaderTimeout:    10 * time.Second,
		ReadTimeout:          60 * time.Second,
		WriteTimeout:         90 * time.Second,
		IdleTimeout:          120 * time.Second,
		MaxHeaderBytes:       64 << 10,
		MaxURLLength:         8192,
		MaxHeaderLine:        16384, // Nova's [wsgi] max_header_line
		ShutdownGrace:        20 * time.Second,
		UpstreamRetryBackoff: 200 * time.Millisecond,
		OperatorRole:         "admin",
		OperatorListen:       DefaultOperatorListen,
		ReadyCacheTTL:        2 * time.Second,
		InvalidTokenCacheTTL: time.Minute,
		InvalidTokenCacheMax: 10000,
	}
}

// Load builds the configuration from args (without the program name) and
// the environment lookup function.
func Load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	cfg := Defaults()
	fs := flag.NewFlagSet("imagegw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "YAML configuration file (env IMAGEGW_CONFIG)")
	listen := fs.String("listen", "", "listen address host:port (env IMAGEGW_LISTEN; default "+cfg.Listen+")")
	cloud := fs.String("cloud", "", "clouds.yaml entry with imagegw's service credentials (env IMAGEGW_CLOUD; default: OS_* variables)")
	region := fs.String("region", "", "region of the Glance endpoint (env IMAGEGW_REGION; default "+cfg.Region+")")
	glanceURL := fs.String("glance-url", "", "Glance endpoint overriding the catalog (env IMAGEGW_GLANCE_URL)")
	keystoneURL := fs.String("keystone-url", "", "Keystone endpoint validating tokens, overriding the catalog (env IMAGEGW_KEYSTONE_URL)")
	publicURL := fs.String("public-url", "", "public base URL for links (env IMAGEGW_PUBLIC_URL)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	path := firstNonEmpty(*configPath, getenv("IMAGEGW_CONFIG"))
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		if err := decodeYAML(data, &cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}

	// environment, then flags
	for _, o := range []struct {
		dst  *string
		env  string
		flag string
	}{
		{&cfg.Listen, "IMAGEGW_LISTEN", *listen},
		{&cfg.Cloud, "IMAGEGW_CLOUD", *cloud},
		{&cfg.Region, "IMAGEGW_REGION", *region},
		{&cfg.GlanceURL, "IMAGEGW_GLANCE_URL", *glanceURL},
		{&cfg.KeystoneURL, "IMAGEGW_KEYSTONE_URL", *keystoneURL},
		{&cfg.PublicURL, "IMAGEGW_PUBLIC_URL", *publicURL},
		{&cfg.Interface, "IMAGEGW_INTERFACE", ""},
		{&cfg.MaxVersion, "IMAGEGW_MAX_VERSION", ""},
		{&cfg.ImagesMaxVersion, "IMAGEGW_IMAGES_MAX_VERSION", ""},
		{&cfg.MetadataMaxVersion, "IMAGEGW_METADATA_MAX_VERSION", ""},
		{&cfg.LogLevel, "IMAGEGW_LOG_LEVEL", ""},
		{&cfg.OperatorListen, "IMAGEGW_OPERATOR_LISTEN", ""},
	} {
		if v := getenv(o.env); v != "" {
			*o.dst = v
		}
		if o.flag != "" {
			*o.dst = o.flag
		}
	}
	for _, d := range []struct {
		dst *time.Duration
		env string
		key string
	}{
		{&cfg.TokenCacheTTL, "IMAGEGW_TOKEN_CACHE_TTL", "token_cache_ttl"},
		{&cfg.UpstreamTimeout, "IMAGEGW_UPSTREAM_TIMEOUT", "upstream_timeout"},
		{&cfg.CacheTTLList, "IMAGEGW_CACHE_TTL_LIST", "cache_ttl_list"},
		{&cfg.RequestTimeout, "IMAGEGW_REQUEST_TIMEOUT", "request_timeout"},
		{&cfg.ShutdownGrace, "IMAGEGW_SHUTDOWN_GRACE", "shutdown_grace"},
		{&cfg.InvalidTokenCacheTTL, "IMAGEGW_INVALID_TOKEN_CACHE_TTL", "invalid_token_cache_ttl"},
		{&cfg.CacheTTLImage, "IMAGEGW_CACHE_TTL_IMAGE", "cache_ttl_image"},
		{&cfg.CacheTTLMetadata, "IMAGEGW_CACHE_TTL_METADATA", "cache_ttl_metadata"},
	} {
		if v := getenv(d.env); v != "" {
			p, err := time.ParseDuration(v)
			if err != nil {
				return cfg, fmt.Errorf("config: %s (%s): %w", d.key, d.env, err)
			}
			*d.dst = p
		}
	}
	if cfg.OperatorListen == NoOperatorListen {
		cfg.OperatorListen = ""
	}
	return cfg, cfg.Validate()
}

func decodeYAML(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // an unknown key is an error naming it
	err := dec.Decode(cfg)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	// yaml reports bad values by line: name the key written on that line.
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines := strings.Split(string(data), "\n")
		msgs := make([]string, 0, len(te.Errors))
		for _, e := range te.Errors {
			var n int
			if _, serr := fmt.Sscanf(e, "line %d:", &n); serr == nil && n >= 1 && n <= len(lines) {
				if k, _, ok := strings.Cut(strings.TrimSpace(lines[n-1]), ":"); ok {
					e = k + ": " + e
				}
			}
			msgs = append(msgs, e)
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return err
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// Validate checks every value and fills the parsed versions. Each error
// names the offending key.
func (c *Config) Validate() error {
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		return fmt.Errorf("config: listen: %q is not host:port", c.Listen)
	}
	for _, u := range []struct{ key, val string }{{"glance_url", c.GlanceURL}, {"keystone_url", c.KeystoneURL}, {"public_url", c.PublicURL}} {
		if u.val == "" {
			continue
		}
		p, err := url.Parse(u.val)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("config: %s: %q is not an absolute http(s) URL", u.key, u.val)
		}
	}
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
	if c.MetadataItems < -1 {
		return fmt.Errorf("config: metadata_items: %d must be -1 (unlimited) or more", c.MetadataItems)
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"cache_ttl_list", c.CacheTTLList}, {"cache_ttl_image", c.CacheTTLImage}, {"cache_ttl_metadata", c.CacheTTLMetadata}} {
		if d.v < 0 {
			return fmt.Errorf("config: %s: %s is negative", d.key, d.v)
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"request_timeout", c.RequestTimeout}, {"read_header_timeout", c.ReadHeaderTimeout}, {"read_timeout", c.ReadTimeout},
		{"write_timeout", c.WriteTimeout}, {"idle_timeout", c.IdleTimeout}, {"shutdown_grace", c.ShutdownGrace},
		{"upstream_retry_backoff", c.UpstreamRetryBackoff}, {"ready_cache_ttl", c.ReadyCacheTTL},
		{"invalid_token_cache_ttl", c.InvalidTokenCacheTTL}} {
		if d.v < 0 {
			return fmt.Errorf("config: %s: %s is negative", d.key, d.v)
		}
	}
	if c.OperatorListen != "" {
		if _, port, err := net.SplitHostPort(c.OperatorListen); err != nil || port == "" || c.OperatorListen == c.Listen {
			return fmt.Errorf("config: operator_listen: %q is not a host:port other than listen", c.OperatorListen)
		}
	}
	if c.InvalidTokenCacheMax < 0 {
		return fmt.Errorf("config: invalid_token_cache_max: %d is negative (0 disables)", c.InvalidTokenCacheMax)
	}
	if c.OperatorRole == "" {
		return errors.New("config: operator_role: must not be empty")
	}
	if c.BrownoutPercent < 0 || c.BrownoutPercent > 100 {
		return fmt.Errorf("config: brownout_percent: %v is not within 0..100", c.BrownoutPercent)
	}
	for _, w := range c.BrownoutWindows {
		if err := validWindow(w); err != nil {
			return fmt.Errorf("config: brownout_windows: %v", err)
		}
	}
	if c.DeprecationInfoURL != "" {
		if u, err := url.Parse(c.DeprecationInfoURL); err != nil || u.Host == "" {
			return fmt.Errorf("config: deprecation_info_url: %q is not an absolute URL", c.DeprecationInfoURL)
		}
	}
	if c.MaxURLLength < 0 || c.MaxHeaderLine < 0 {
		return errors.New("config: max_url_length, max_header_line: must not be negative (0 disables)")
	}
	if c.MaxHeaderBytes < 4096 {
		return fmt.Errorf("config: max_header_bytes: %d must be at least 4096", c.MaxHeaderBytes)
	}
	if c.CacheMaxEntries < 1 {
		return fmt.Errorf("config: cache_max_entries: %d must be at least 1", c.CacheMaxEntries)
	}
	if c.CacheMaxBytes < 1024 {
		return fmt.Errorf("config: cache_max_bytes: %d must be at least 1024", c.CacheMaxBytes)
	}
	if c.GCMinHeadroom < 0 {
		return fmt.Errorf("config: gc_min_headroom: %d is negative (0 disables)", c.GCMinHeadroom)
	}
	if c.TokenCacheTTL < 0 {
		return fmt.Errorf("config: token_cache_ttl: %s is negative", c.TokenCacheTTL)
	}
	if c.UpstreamTimeout <= 0 {
		return fmt.Errorf("config: upstream_timeout: %s must be positive", c.UpstreamTimeout)
	}
	var err error
	min := microversion.V(2, 1)
	for _, v := range []struct {
		key string
		s   string
		dst *microversion.Version
	}{
		{"max_version", c.MaxVersion, &c.Max},
		{"images_max_version", c.ImagesMaxVersion, &c.ImagesMax},
		{"metadata_max_version", c.MetadataMaxVersion, &c.MetadataMax},
	} {
		if *v.dst, err = microversion.Parse(strings.TrimSpace(v.s)); err != nil {
			return fmt.Errorf("config: %s: %q is not a version X.Y", v.key, v.s)
		}
		if v.dst.Less(min) {
			return fmt.Errorf("config: %s: %s is below 2.1", v.key, v.s)
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

// validWindow checks "HH:MM-HH:MM".
func validWindow(w string) error {
	a, b, ok := strings.Cut(w, "-")
	if !ok {
		return fmt.Errorf("%q is not HH:MM-HH:MM", w)
	}
	for _, p := range []string{a, b} {
		if _, err := time.Parse("15:04", strings.TrimSpace(p)); err != nil {
			return fmt.Errorf("%q is not HH:MM-HH:MM", w)
		}
	}
	return nil
}
