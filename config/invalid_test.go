package config

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// invalid is a configuration Load refuses with an error naming key.
type invalid struct {
	file string
	env  map[string]string
	args []string
	key  string
}

// Whatever the source, an invalid value stops Load with an error naming
// the key.
func TestInvalidNamesTheKey(t *testing.T) {
	for _, tt := range append(invalidFiles(), invalidEnvAndFlags()...) {
		t.Run(tt.key, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"--config", writeFile(t, tt.file)}, args...)
			}
			_, err := Load(args, env(tt.env), io.Discard)
			require.ErrorContains(t, err, tt.key)
		})
	}
}

func invalidFiles() []invalid {
	return []invalid{
		{file: "listen: nope\n", key: "listen"},
		{file: "glance_url: ftp://x\n", key: "glance_url"},
		{file: "keystone_url: ftp://x/v3\n", key: "keystone_url"},
		{file: "keystone_url: keystone/v3\n", key: "keystone_url"},
		{file: "public_url: not a url\n", key: "public_url"},
		{file: "interface: private\n", key: "interface"},
		{file: "max_version: two\n", key: "max_version"},
		{file: "images_max_version: '2.99'\n", key: "images_max_version"},
		{file: "metadata_max_version: '1.5'\n", key: "metadata_max_version"},
		{file: "metadata_items: -2\n", key: "metadata_items"},
		{file: "metadata_items: many\n", key: "metadata_items"},
		{file: "gc_min_headroom: -1\n", key: "gc_min_headroom"},
		{file: "upstream_timeout: 0s\n", key: "upstream_timeout"},
		{file: "notifications_url: http://bus:5672/\n", key: "notifications_url"},
		{file: "notifications_url: amqp://bus/\nnotifications_topic: \"\"\n", key: "notifications_topic"},
		{file: "cache_ttl_unsubscribed: -1s\n", key: "cache_ttl_unsubscribed"},
		{file: "nova_url: nova:8774\n", key: "nova_url"},
		{file: "nova_url: http://nova:8774/v2.1\n", key: "nova_url"},
		{file: "nova_url: http://nova:8774/compute/v2/\n", key: "nova_url"},
		{file: "nova_url: http://nova:8774/\nnova_versions_interval: 0s\n", key: "nova_versions_interval"},
		// a region's Nova is followed at the same interval
		{file: "regions: ['R1 /r1 nova_url=http://n:8774']\nnova_versions_interval: 0s\n", key: "nova_versions_interval"},
		{file: "regions: [R1]\n", key: "regions"},
		{file: "regions: ['R1 r1']\n", key: "regions"},
		{file: "regions: ['R1 /v2.1/r1']\n", key: "regions"},
		{file: "regions: ['R1 /r1 nova=http://n:8774']\n", key: "regions"},
		{file: "regions: ['R1 /r1 nova_url=n:8774']\n", key: "regions"},
		{file: "regions: ['R1 /r1 nova_url=http://n:8774/v2.1']\n", key: "regions"},
		{file: "regions: ['R1 /r1', 'R1 /r2']\n", key: "regions"},
		{file: "regions: ['R1 /r1', 'R2 /r1/b']\n", key: "regions"},
		{file: "redis_url: http://redis:6379/\n", key: "redis_url"},
		// what the Redis client cannot connect to, Load refuses (a
		// sentinel:// scheme of other clients; Sentinel is ?master_set=)
		{file: "redis_url: redis-sentinel://redis:26379/imagegw\n", key: "redis_url"},
		{file: "redis_url: redis://redis:6379/two\n", key: "redis_url"},
		{file: "redis_url: redis://redis:6379?dial_timeout=soon\n", key: "redis_url"},
		{file: "log_level: loud\n", key: "log_level"},
		{file: "no_such_key: 1\n", key: "no_such_key"},
		{file: "listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n", key: "listen"},
		{file: "- listen\n", key: "mapping"},
		{file: "listen: [\n", key: "yaml"},
		{file: "token_cache_ttl: soon\n", key: "token_cache_ttl"},
		{file: "ready_cache_ttl: -1s\n", key: "ready_cache_ttl"},
		{file: "invalid_token_cache_ttl: -1s\n", key: "invalid_token_cache_ttl"},
		{file: "invalid_token_cache_max: -1\n", key: "invalid_token_cache_max"},
		{file: "operator_listen: 127.0.0.1:8774\n", key: "operator_listen"},
		{file: "max_header_bytes: 100\n", key: "max_header_bytes"},
		{file: "max_url_length: -1\n", key: "max_url_length"},
		{file: "max_header_line: -1\n", key: "max_header_line"},
		{file: "cache_max_entries: 0\n", key: "cache_max_entries"},
		{file: "cache_max_bytes: 10\n", key: "cache_max_bytes"},
		{file: "brownout_percent: 101\n", key: "brownout_percent"},
		{file: "brownout_windows: ['9-10']\n", key: "brownout_windows"},
		{file: "deprecation_info_url: docs\n", key: "deprecation_info_url"},
		{file: "operator_role: ''\n", key: "operator_role"},
		{file: "region: ''\n", key: "region"},
	}
}

func invalidEnvAndFlags() []invalid {
	return []invalid{
		{env: map[string]string{"IMAGEGW_UPSTREAM_TIMEOUT": "x"}, key: "upstream_timeout"},
		{env: map[string]string{"IMAGEGW_KEYSTONE_URL": "127.0.0.1:5000"}, key: "keystone_url"},
		{env: map[string]string{"IMAGEGW_CACHE_MAX_BYTES": "1e9"}, key: "cache_max_bytes"},
		{env: map[string]string{"IMAGEGW_DEPRECATION_HEADERS": "yes please"}, key: "deprecation_headers"},
		{env: map[string]string{"IMAGEGW_SUNSET": "2026-01-01"}, key: "sunset"},
		{env: map[string]string{"IMAGEGW_BROWNOUT_PERCENT": "half"}, key: "brownout_percent"},
		{args: []string{"--keystone-url", "http://"}, key: "keystone_url"},
		{args: []string{"--metadata-items", "x"}, key: "metadata_items"},
		{args: []string{"--brownout-windows", "09:00"}, key: "brownout_windows"},
		{args: []string{"--bogus"}, key: "bogus"},
		{args: []string{"extra"}, key: "extra"},
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load([]string{"--config", "/nonexistent/imagegw.yaml"}, env(nil), io.Discard)
	require.ErrorContains(t, err, "/nonexistent/imagegw.yaml")
}
