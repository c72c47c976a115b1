// Package config loads, defaults and validates imagegw's configuration once
// at start: built-in defaults, then a YAML file, then IMAGEGW_* environment
// variables, then command-line flags (each later source wins). Every key is
// declared once, in the table of keys.go, which drives all four sources.
//
// Load reads the environment only through the getenv it is given, and the
// OS_* variables of imagegw's service credentials land in Config.Service,
// so no other package needs the environment.
package config

import (
	"fmt"
	"time"

	"github.com/imagegw/imagegw/microversion"
)

// Config is imagegw's whole configuration. The yaml tags repeat the key
// names of the table (a test holds them equal) so that a Config marshals
// as the file it could be read from; the file itself is decoded through
// the table.
type Config struct {
	// Listen is the address the Nova-compatible API listens on.
	Listen string `yaml:"listen"`
	// PublicURL replaces scheme://host of the links imagegw builds (Nova's
	// [api] compute_link_prefix). Empty: taken from each request.
	PublicURL string `yaml:"public_url"`

	// Cloud names the clouds.yaml entry holding imagegw's service
	// credentials (used to validate users' tokens). Load falls back to
	// OS_CLOUD, as the OpenStack tools do. Empty: the other OS_* variables.
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
	// NovaURL, when set, is the nova-api imagegw stands in front of (where
	// Nova serves "/"): every request that is not an image proxy call is
	// passed to it unchanged, and the microversion range is Nova's own,
	// read from its /v2.1 document every NovaVersionsInterval.
	NovaURL              string        `yaml:"nova_url"`
	NovaVersionsInterval time.Duration `yaml:"nova_versions_interval"`
	// RegionEntries, when set, make one imagegw the compute endpoint of
	// several regions, each under its own path prefix (Resolve parses
	// them into Regions); nova_url, public_url and glance_url are then
	// each region's default.
	RegionEntries []string `yaml:"regions,omitempty"`

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
	// Glance's notifications: the bus (empty: none), where Glance publishes,
	// and the cache lifetime while the subscription is down.
	NotificationsURL      string        `yaml:"notifications_url"`
	NotificationsExchange string        `yaml:"notifications_exchange"`
	NotificationsTopic    string        `yaml:"notifications_topic"`
	CacheTTLUnsubscribed  time.Duration `yaml:"cache_ttl_unsubscribed"`
	// Replicas: the Redis they coordinate through (empty: this process
	// alone), and what a write does when Redis cannot coordinate it
	// (CoordinationBestEffort or CoordinationStrict).
	RedisURL     string `yaml:"redis_url"`
	Coordination string `yaml:"coordination"`

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
	// Resolve parses the windows into Brownouts.
	BrownoutWindows []string `yaml:"brownout_windows"`
	BrownoutPercent float64  `yaml:"brownout_percent"`

	// LogLevel: debug, info, warn, error.
	LogLevel string `yaml:"log_level"`

	// The values below are not keys: Resolve derives them from the keys
	// above, so the proxy never parses a string per request.

	// Max, ImagesMax and MetadataMax are the three version keys, parsed.
	Max, ImagesMax, MetadataMax microversion.Version `yaml:"-"`
	// Brownouts are BrownoutWindows, parsed.
	Brownouts []Window `yaml:"-"`
	// Regions are RegionEntries, parsed.
	Regions []Region `yaml:"-"`

	// Service holds imagegw's own credentials from the OS_* variables; Load
	// fills it. Never a file key: secrets belong in clouds.yaml or the
	// environment, not in the configuration file.
	Service ServiceAuth `yaml:"-"`
}

// DefaultOperatorListen is where /metrics, /migration and the detailed
// /readyz are served unless operator_listen says otherwise: loopback, so
// nothing about the projects or the upstreams is public by default.
const DefaultOperatorListen = "127.0.0.1:9774"

// NoOperatorListen as operator_listen serves /metrics and /migration on
// listen instead, to tokens with the operator role only.
const NoOperatorListen = "none"

// Defaults serve `make run` against the local cloud of scripts/cloud. They
// are the table's defaults, resolved: the parsed values are filled too.
func Defaults() Config {
	var c Config
	for _, k := range keys() {
		if k.def == "" {
			continue
		}
		if err := k.bind.set(&c, k.def); err != nil {
			panic(fmt.Sprintf("config: default of %s: %v", k.name, err))
		}
	}
	// The table is constant and a test checks it: an error here is a bug
	// in this package, not a configuration to report.
	if err := c.Resolve(); err != nil {
		panic(fmt.Sprintf("config: defaults: %v", err))
	}
	return c
}

// The coordination modes (coordination): what a write does when Redis
// cannot coordinate it across replicas.
const (
	// CoordinationBestEffort: the write goes on under this replica's own
	// lock and is counted as uncoordinated.
	CoordinationBestEffort = "best-effort"
	// CoordinationStrict: the write is refused with Nova's 503.
	CoordinationStrict = "strict"
)
