package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/microversion"
)

// The table and Config's yaml tags name the same keys, and each key's
// binding points at the field carrying its tag: a key added to one and
// not the other, or bound to the wrong field, fails here.
func TestKeysMatchConfigFields(t *testing.T) {
	var c Config
	byAddr := map[uintptr]string{}
	tags := map[string]bool{}
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",") // options such as omitempty aside
		require.NotEmpty(t, tag, "field %s has no yaml tag", v.Type().Field(i).Name)
		if tag == "-" {
			continue
		}
		tags[tag] = true
		byAddr[v.Field(i).Addr().Pointer()] = tag
	}
	seen := map[string]bool{}
	for _, k := range keys() {
		require.False(t, seen[k.name], "key %s declared twice", k.name)
		seen[k.name] = true
		require.NotEmpty(t, k.help, k.name)
		require.Equal(t, k.name, byAddr[reflect.ValueOf(k.bind.target(&c)).Pointer()], "key %s bound to another field", k.name)
	}
	require.Equal(t, tags, seen, "yaml tags and table keys differ")
	require.NotContains(t, seen, configFileKey, "the file's path is no file key")
}

// Derived names: the flags and variables that existed before the table
// keep their spelling.
func TestDerivedNames(t *testing.T) {
	for _, tt := range []struct{ name, env, flag string }{
		{"listen", "IMAGEGW_LISTEN", "listen"},
		{"glance_url", "IMAGEGW_GLANCE_URL", "glance-url"},
		{"keystone_url", "IMAGEGW_KEYSTONE_URL", "keystone-url"},
		{"public_url", "IMAGEGW_PUBLIC_URL", "public-url"},
		{"invalid_token_cache_ttl", "IMAGEGW_INVALID_TOKEN_CACHE_TTL", "invalid-token-cache-ttl"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := key{name: tt.name}
			require.Equal(t, tt.env, k.env())
			require.Equal(t, tt.flag, k.flag())
		})
	}
	require.Equal(t, "IMAGEGW_CONFIG", envName(configFileKey))
}

// The defaults read from the table are the values Defaults spelled out
// before the table existed.
func TestDefaultsUnchanged(t *testing.T) {
	want := Config{
		Listen: "127.0.0.1:8774", Region: "RegionOne", Interface: "public",
		MaxVersion: "2.93", ImagesMaxVersion: "2.35", MetadataMaxVersion: "2.38",
		MetadataItems: 128, CacheTTLList: 2 * time.Second, CacheTTLImage: 2 * time.Second,
		CacheTTLMetadata: 2 * time.Second, CacheMaxEntries: 100000, CacheMaxBytes: 64 << 20,
		GCMinHeadroom: 32 << 20, TokenCacheTTL: 5 * time.Minute, UpstreamTimeout: 30 * time.Second,
		LogLevel: "info", RequestTimeout: 60 * time.Second, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 60 * time.Second, WriteTimeout: 90 * time.Second, IdleTimeout: 120 * time.Second,
		MaxHeaderBytes: 64 << 10, MaxURLLength: 8192, MaxHeaderLine: 16384,
		ShutdownGrace: 20 * time.Second, UpstreamRetryBackoff: 200 * time.Millisecond,
		OperatorRole: "admin", OperatorListen: DefaultOperatorListen, ReadyCacheTTL: 2 * time.Second,
		InvalidTokenCacheTTL: time.Minute, InvalidTokenCacheMax: 10000,
		NotificationsExchange: "glance", NotificationsTopic: "notifications", CacheTTLUnsubscribed: 2 * time.Second,
		Coordination: CoordinationBestEffort, NovaVersionsInterval: time.Minute,
		Max: microversion.V(2, 93), ImagesMax: microversion.V(2, 35), MetadataMax: microversion.V(2, 38),
	}
	require.Equal(t, want, Defaults())
	require.NoError(t, Defaults().Check())
}

// Flag help names each key's kind, variable and default, from the table.
func TestUsage(t *testing.T) {
	var b strings.Builder
	_, err := Load([]string{"-h"}, env(nil), &b)
	require.Error(t, err)
	for _, k := range keys() {
		require.Regexp(t, "  -"+k.flag()+"[ \n]", b.String(), k.name)
		require.Contains(t, b.String(), strings.ReplaceAll(usage(k), "`", ""), k.name)
	}
	require.Contains(t, b.String(), "-config string")
	require.Contains(t, b.String(), "-token-cache-ttl duration")
	require.Contains(t, b.String(), "-deprecation-headers\n", "bare boolean flag")
	require.Contains(t, b.String(), "(string; env IMAGEGW_CLOUD or OS_CLOUD)")
}
