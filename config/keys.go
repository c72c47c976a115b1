package config

import (
	"slices"
	"strings"
	"time"
)

// key is one configuration key. Its YAML name is the only name declared:
// the environment variable and the flag are derived from it, so the three
// cannot drift apart.
type key struct {
	name string
	// def is the built-in default, written as in the environment; empty:
	// the zero value.
	def  string
	help string
	// fallback, when set, is an environment variable read only when no
	// source gave the key a value (a variable other tools share).
	fallback string
	bind     binding
}

// env is the key's environment variable: IMAGEGW_ and the upper-case name.
func (k key) env() string { return envName(k.name) }

// flag is the key's command-line flag, without its dashes: the name with
// dashes for underscores.
func (k key) flag() string { return strings.ReplaceAll(k.name, "_", "-") }

func envName(name string) string { return "IMAGEGW_" + strings.ToUpper(name) }

// configFileKey names the YAML file itself: a flag and a variable only.
const configFileKey = "config"

// configFileHelp is the help of --config and IMAGEGW_CONFIG.
const configFileHelp = "YAML configuration file"

// keys is the table of every key, in the README's order. Functions, not
// variables: the table is data, and no package state can be changed.
func keys() []key {
	return slices.Concat(upstreamKeys(), cacheKeys(), serverKeys(), operatorKeys())
}

// upstreamKeys: where imagegw listens, which cloud it fronts, and which
// Nova release it answers as.
func upstreamKeys() []key {
	return []key{
		{name: "listen", def: "127.0.0.1:8774", help: "listen address host:port of the Nova-compatible API",
			bind: stringKey(func(c *Config) *string { return &c.Listen })},
		{name: "cloud", fallback: "OS_CLOUD", help: "clouds.yaml entry with imagegw's service credentials (default: OS_* variables)",
			bind: stringKey(func(c *Config) *string { return &c.Cloud })},
		{name: "region", def: "RegionOne", help: "region of the Glance endpoint in the caller's catalog",
			bind: stringKey(func(c *Config) *string { return &c.Region })},
		{name: "interface", def: "public", help: "catalog interface: public, internal, admin",
			bind: stringKey(func(c *Config) *string { return &c.Interface })},
		{name: "glance_url", help: "Glance endpoint overriding the catalog",
			bind: stringKey(func(c *Config) *string { return &c.GlanceURL })},
		{name: "keystone_url", help: "Keystone endpoint validating tokens, overriding the catalog",
			bind: stringKey(func(c *Config) *string { return &c.KeystoneURL })},
		{name: "public_url", help: "public base URL of links (default: from each request)",
			bind: stringKey(func(c *Config) *string { return &c.PublicURL })},
		{name: "nova_url", help: "nova-api behind imagegw (where it serves /): every other compute request is passed to it",
			bind: stringKey(func(c *Config) *string { return &c.NovaURL })},
		{name: "nova_versions_interval", def: "1m", help: "how often the microversion range is read again from nova_url's /v2.1",
			bind: durationKey(func(c *Config) *time.Duration { return &c.NovaVersionsInterval })},
		{name: "regions", help: "regions served under path prefixes: \"NAME /prefix [nova_url=URL] [public_url=URL] [glance_url=URL]\", comma-separated",
			bind: listKey(func(c *Config) *[]string { return &c.RegionEntries })},
		{name: "max_version", def: "2.93", help: "highest advertised compute microversion",
			bind: stringKey(func(c *Config) *string { return &c.MaxVersion })},
		{name: "images_max_version", def: "2.35", help: "last microversion serving the image routes",
			bind: stringKey(func(c *Config) *string { return &c.ImagesMaxVersion })},
		{name: "metadata_max_version", def: "2.38", help: "last microversion serving the metadata routes",
			bind: stringKey(func(c *Config) *string { return &c.MetadataMaxVersion })},
		{name: "metadata_items", def: "128", help: "metadata items per image (-1: unlimited)",
			bind: intKey(func(c *Config) *int { return &c.MetadataItems })},
	}
}

// cacheKeys: the response cache, the heap and the token caches.
//
// The cache lifetimes default to 2 s: without Glance's notifications a
// change made outside imagegw is seen at most that late (Nova: at once),
// the bound cache_ttl_unsubscribed keeps while a subscription is down.
// make bench (2026-12-01, scripts/bench/freshness.sh) measured what short
// lifetimes cost a hot entry: hit req/s at 1 s, 2 s and 5 s within the
// run-to-run noise of 10 min (0.70-1.21x over two runs, in no order of
// lifetime), p99 unchanged, one Glance call per entry per lifetime
// (0.40-0.49 calls/s at 2 s). 1 s would double those calls for half the
// staleness. With notifications on, 10 min is the
// documented production setting.
func cacheKeys() []key {
	return []key{
		{name: "cache_ttl_list", def: "2s", help: "response cache lifetime of image lists (0 disables)",
			bind: durationKey(func(c *Config) *time.Duration { return &c.CacheTTLList })},
		{name: "cache_ttl_image", def: "2s", help: "response cache lifetime of an image (0 disables)",
			bind: durationKey(func(c *Config) *time.Duration { return &c.CacheTTLImage })},
		{name: "cache_ttl_metadata", def: "2s", help: "response cache lifetime of metadata reads (0 disables)",
			bind: durationKey(func(c *Config) *time.Duration { return &c.CacheTTLMetadata })},
		{name: "cache_max_entries", def: "100000", help: "response cache bound in entries",
			bind: intKey(func(c *Config) *int { return &c.CacheMaxEntries })},
		{name: "cache_max_bytes", def: "67108864", help: "response cache bound in bytes",
			bind: int64Key(func(c *Config) *int64 { return &c.CacheMaxBytes })},
		{name: "notifications_url", help: "amqp:// URL of the bus Glance publishes its notifications on (empty: none)",
			bind: stringKey(func(c *Config) *string { return &c.NotificationsURL })},
		{name: "notifications_exchange", def: "glance", help: "exchange of Glance's notifications (Glance's control_exchange)",
			bind: stringKey(func(c *Config) *string { return &c.NotificationsExchange })},
		{name: "notifications_topic", def: "notifications", help: "topic of Glance's notifications ([oslo_messaging_notifications] topics)",
			bind: stringKey(func(c *Config) *string { return &c.NotificationsTopic })},
		{name: "cache_ttl_unsubscribed", def: "2s", help: "cache lifetime while notifications_url is set but not subscribed",
			bind: durationKey(func(c *Config) *time.Duration { return &c.CacheTTLUnsubscribed })},
		{name: "redis_url", help: "redis:// or rediss:// URL the replicas coordinate through; Sentinel: ?master_set=, Cluster: ?addr= (empty: this process alone)",
			bind: stringKey(func(c *Config) *string { return &c.RedisURL })},
		{name: "coordination", def: CoordinationBestEffort, help: "a write Redis cannot coordinate: best-effort (local lock, counted) or strict (503)",
			bind: stringKey(func(c *Config) *string { return &c.Coordination })},
		{name: "gc_min_headroom", def: "33554432", help: "least heap growth between collections in bytes (0: GOGC alone)",
			bind: int64Key(func(c *Config) *int64 { return &c.GCMinHeadroom })},
		{name: "token_cache_ttl", def: "5m", help: "how long a validated token is trusted (0 disables)",
			bind: durationKey(func(c *Config) *time.Duration { return &c.TokenCacheTTL })},
		{name: "invalid_token_cache_ttl", def: "1m", help: "how long a refused token is refused without asking (0 disables)",
			bind: durationKey(func(c *Config) *time.Duration { return &c.InvalidTokenCacheTTL })},
		{name: "invalid_token_cache_max", def: "10000", help: "most refused tokens remembered",
			bind: intKey(func(c *Config) *int { return &c.InvalidTokenCacheMax })},
	}
}

// serverKeys: timeouts and limits of the HTTP server and upstream calls.
func serverKeys() []key {
	return []key{
		{name: "upstream_timeout", def: "30s", help: "timeout of each Keystone or Glance call",
			bind: durationKey(func(c *Config) *time.Duration { return &c.UpstreamTimeout })},
		{name: "request_timeout", def: "60s", help: "bound of a whole request",
			bind: durationKey(func(c *Config) *time.Duration { return &c.RequestTimeout })},
		{name: "read_header_timeout", def: "10s", help: "HTTP server read header timeout",
			bind: durationKey(func(c *Config) *time.Duration { return &c.ReadHeaderTimeout })},
		{name: "read_timeout", def: "60s", help: "HTTP server read timeout",
			bind: durationKey(func(c *Config) *time.Duration { return &c.ReadTimeout })},
		{name: "write_timeout", def: "90s", help: "HTTP server write timeout",
			bind: durationKey(func(c *Config) *time.Duration { return &c.WriteTimeout })},
		{name: "idle_timeout", def: "120s", help: "HTTP server idle timeout",
			bind: durationKey(func(c *Config) *time.Duration { return &c.IdleTimeout })},
		{name: "max_header_bytes", def: "65536", help: "request header limit in bytes (at least 4096)",
			bind: intKey(func(c *Config) *int { return &c.MaxHeaderBytes })},
		{name: "max_url_length", def: "8192", help: "request line limit in bytes (0 disables)",
			bind: intKey(func(c *Config) *int { return &c.MaxURLLength })},
		{name: "max_header_line", def: "16384", help: "header line limit in bytes (0 disables)",
			bind: intKey(func(c *Config) *int { return &c.MaxHeaderLine })},
		{name: "shutdown_grace", def: "20s", help: "how long in-flight requests may finish on SIGTERM",
			bind: durationKey(func(c *Config) *time.Duration { return &c.ShutdownGrace })},
		{name: "upstream_retry_backoff", def: "200ms", help: "pause before retrying a failed idempotent Glance read (0 disables)",
			bind: durationKey(func(c *Config) *time.Duration { return &c.UpstreamRetryBackoff })},
	}
}

// operatorKeys: operator endpoints, the migration's signals and the logs.
func operatorKeys() []key {
	return []key{
		{name: "operator_listen", def: DefaultOperatorListen, help: "address of the operator endpoints (none: on listen)",
			bind: stringKey(func(c *Config) *string { return &c.OperatorListen })},
		{name: "operator_role", def: "admin", help: "role a token needs for the operator endpoints",
			bind: stringKey(func(c *Config) *string { return &c.OperatorRole })},
		{name: "ready_cache_ttl", def: "2s", help: "/readyz probes the upstreams at most once per this",
			bind: durationKey(func(c *Config) *time.Duration { return &c.ReadyCacheTTL })},
		{name: "deprecation_headers", def: "false", help: "add Deprecation, Sunset and Link headers",
			bind: boolKey(func(c *Config) *bool { return &c.DeprecationHeaders })},
		{name: "deprecated_since", help: "RFC 3339 time of the Deprecation header",
			bind: timeKey(func(c *Config) *time.Time { return &c.DeprecatedSince })},
		{name: "sunset", help: "RFC 3339 time of the Sunset header",
			bind: timeKey(func(c *Config) *time.Time { return &c.Sunset })},
		{name: "deprecation_info_url", help: "URL of the deprecation Link header",
			bind: stringKey(func(c *Config) *string { return &c.DeprecationInfoURL })},
		{name: "brownout_windows", help: "daily UTC brownout windows HH:MM-HH:MM, comma-separated",
			bind: listKey(func(c *Config) *[]string { return &c.BrownoutWindows })},
		{name: "brownout_percent", def: "0", help: "share of proxy calls browned out (0-100)",
			bind: float64Key(func(c *Config) *float64 { return &c.BrownoutPercent })},
		{name: "log_level", def: "info", help: "debug, info, warn, error",
			bind: stringKey(func(c *Config) *string { return &c.LogLevel })},
	}
}
