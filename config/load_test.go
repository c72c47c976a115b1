package config

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// writeFile writes a YAML file in a fresh directory and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "imagegw.yaml")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestLoadNothingIsDefaults(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	require.NoError(t, err)
	require.Equal(t, Defaults(), c)
	require.Equal(t, "2.93", c.Max.String())
	require.Equal(t, "127.0.0.1:9774", c.OperatorListen, "operator endpoints on loopback by default")
	require.Equal(t, 16384, c.MaxHeaderLine, "Nova's [wsgi] max_header_line")
}

// sample is a valid value other than the default for each key, as the
// environment and flags write it and as a file does.
type sample struct{ text, yaml string }

func samples() map[string]sample {
	return map[string]sample{
		"listen": {text: "127.0.0.1:1111"}, "cloud": {text: "svc"}, "region": {text: "R2"},
		"interface": {text: "internal"}, "glance_url": {text: "http://glance.test:9292"},
		"keystone_url": {text: "https://keystone.test/v3"}, "public_url": {text: "https://gw.test/compute"},
		"nova_url": {text: "http://nova.test:8774"}, "nova_versions_interval": {text: "30s"},
		"max_version": {text: "2.90", yaml: "'2.90'"}, "images_max_version": {text: "2.30", yaml: "'2.30'"},
		"metadata_max_version": {text: "2.31", yaml: "'2.31'"}, "metadata_items": {text: "-1"},
		"cache_ttl_list": {text: "1s"}, "cache_ttl_image": {text: "3s"}, "cache_ttl_metadata": {text: "0s"},
		"cache_max_entries": {text: "7"}, "cache_max_bytes": {text: "2048"}, "gc_min_headroom": {text: "0"},
		"notifications_url": {text: "amqp://bus:5672/"}, "notifications_exchange": {text: "openstack"},
		"notifications_topic": {text: "versioned_notifications"}, "cache_ttl_unsubscribed": {text: "1s"},
		"redis_url": {text: "redis://127.0.0.1:6379/2"}, "coordination": {text: "strict"},
		"token_cache_ttl": {text: "1m"}, "invalid_token_cache_ttl": {text: "3s"},
		"invalid_token_cache_max": {text: "5"}, "upstream_timeout": {text: "4s"},
		"request_timeout": {text: "5s"}, "read_header_timeout": {text: "6s"}, "read_timeout": {text: "7s"},
		"write_timeout": {text: "8s"}, "idle_timeout": {text: "9s"}, "max_header_bytes": {text: "4096"},
		"max_url_length": {text: "0"}, "max_header_line": {text: "100"}, "shutdown_grace": {text: "1h"},
		"upstream_retry_backoff": {text: "0s"}, "operator_listen": {text: "127.0.0.1:9999"},
		"operator_role": {text: "ops"}, "ready_cache_ttl": {text: "0s"}, "deprecation_headers": {text: "true"},
		"deprecated_since": {text: "2025-01-02T03:04:05Z"}, "sunset": {text: "2026-01-02T03:04:05+01:00"},
		"deprecation_info_url": {text: "https://docs.test/migrate"},
		"brownout_windows":     {text: "09:00-09:15, 23:50-00:10", yaml: "['09:00-09:15', '23:50-00:10']"},
		"brownout_percent":     {text: "2.5"}, "log_level": {text: "debug"},
		"regions": {text: "R1 /r1 nova_url=http://nova1.test:8774, R2 /r/two public_url=https://r2.test/compute",
			yaml: "['R1 /r1 nova_url=http://nova1.test:8774', 'R2 /r/two public_url=https://r2.test/compute']"},
	}
}

// fieldValue is the value of k's field in c.
func fieldValue(k key, c *Config) any { return reflect.ValueOf(k.bind.target(c)).Elem().Interface() }

// Every key of the table can be set from a file, the environment and a
// flag, to the same value.
func TestEveryKeyFromEverySource(t *testing.T) {
	ss := samples()
	require.Len(t, ss, len(keys()), "a key without a sample")
	for _, k := range keys() {
		t.Run(k.name, func(t *testing.T) {
			s, ok := ss[k.name]
			require.True(t, ok, "no sample")
			def, want := Defaults(), Defaults()
			require.NoError(t, k.bind.set(&want, s.text))
			require.NotEqual(t, fieldValue(k, &def), fieldValue(k, &want), "sample is the default")
			y := s.yaml
			if y == "" {
				y = s.text
			}
			for source, load := range map[string]func() (Config, error){
				"file": func() (Config, error) {
					return Load([]string{"--config", writeFile(t, k.name+": "+y+"\n")}, env(nil), io.Discard)
				},
				"env":  func() (Config, error) { return Load(nil, env(map[string]string{k.env(): s.text}), io.Discard) },
				"flag": func() (Config, error) { return Load([]string{"--" + k.flag() + "=" + s.text}, env(nil), io.Discard) },
			} {
				c, err := load()
				require.NoError(t, err, source)
				require.Equal(t, fieldValue(k, &want), fieldValue(k, &c), source)
			}
		})
	}
}

// Defaults < file < environment < flags, for keys of several kinds.
func TestPrecedence(t *testing.T) {
	path := writeFile(t, "listen: 127.0.0.1:1111\nregion: R1\ntoken_cache_ttl: 1m\nbrownout_windows: ['01:00-02:00']\n")
	for _, tt := range []struct {
		name   string
		args   []string
		env    map[string]string
		listen string
		ttl    time.Duration
		wins   []string
	}{
		{"defaults", nil, nil, "127.0.0.1:8774", 5 * time.Minute, nil},
		{"file", []string{"--config", path}, nil, "127.0.0.1:1111", time.Minute, []string{"01:00-02:00"}},
		{"file named by IMAGEGW_CONFIG", nil, map[string]string{"IMAGEGW_CONFIG": path}, "127.0.0.1:1111", time.Minute, []string{"01:00-02:00"}},
		{"env beats file", []string{"--config", path},
			map[string]string{"IMAGEGW_LISTEN": "127.0.0.1:2222", "IMAGEGW_TOKEN_CACHE_TTL": "2m", "IMAGEGW_BROWNOUT_WINDOWS": "03:00-04:00"},
			"127.0.0.1:2222", 2 * time.Minute, []string{"03:00-04:00"}},
		{"flag beats env", []string{"--config", path, "--listen", "127.0.0.1:3333", "--token-cache-ttl", "3m", "--brownout-windows", ""},
			map[string]string{"IMAGEGW_LISTEN": "127.0.0.1:2222", "IMAGEGW_TOKEN_CACHE_TTL": "2m", "IMAGEGW_BROWNOUT_WINDOWS": "03:00-04:00"},
			"127.0.0.1:3333", 3 * time.Minute, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.env), io.Discard)
			require.NoError(t, err)
			require.Equal(t, tt.listen, c.Listen)
			require.Equal(t, tt.ttl, c.TokenCacheTTL)
			require.Equal(t, tt.wins, c.BrownoutWindows)
			require.Len(t, c.Brownouts, len(tt.wins), "resolved")
		})
	}
}

// keystone_url (the identity endpoint tokens are validated at) follows the
// same precedence as the other keys: default, file, environment, flag.
func TestKeystoneURLPrecedence(t *testing.T) {
	path := writeFile(t, "keystone_url: http://file.test:5000/v3\n")
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"default: the catalog's", nil, nil, ""},
		{"file", []string{"--config", path}, nil, "http://file.test:5000/v3"},
		{"env beats file", []string{"--config", path}, map[string]string{"IMAGEGW_KEYSTONE_URL": "https://env.test/identity"}, "https://env.test/identity"},
		{"flag beats env", []string{"--config", path, "--keystone-url", "http://flag.test:5000"},
			map[string]string{"IMAGEGW_KEYSTONE_URL": "https://env.test/identity"}, "http://flag.test:5000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.env), io.Discard)
			require.NoError(t, err)
			require.Equal(t, tt.want, c.KeystoneURL)
		})
	}
}

// OS_CLOUD names the cloud when no source of imagegw's own does, below
// the file as the proxy's own fallback was.
func TestCloudFallback(t *testing.T) {
	path := writeFile(t, "cloud: file\n")
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"none", nil, nil, ""},
		{"OS_CLOUD", nil, map[string]string{"OS_CLOUD": "os"}, "os"},
		{"file beats OS_CLOUD", []string{"--config", path}, map[string]string{"OS_CLOUD": "os"}, "file"},
		{"IMAGEGW_CLOUD beats OS_CLOUD", nil, map[string]string{"OS_CLOUD": "os", "IMAGEGW_CLOUD": "gw"}, "gw"},
		{"flag", []string{"--cloud", "flag"}, map[string]string{"OS_CLOUD": "os", "IMAGEGW_CLOUD": "gw"}, "flag"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.env), io.Discard)
			require.NoError(t, err)
			require.Equal(t, tt.want, c.Cloud)
		})
	}
}

// operator_listen "none" (from any source) means no operator listener.
func TestOperatorListenNone(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"env", nil, map[string]string{"IMAGEGW_OPERATOR_LISTEN": "none"}, ""},
		{"file", []string{"--config", writeFile(t, "operator_listen: none\n")}, nil, ""},
		{"flag", []string{"--operator-listen", "none"}, nil, ""},
		{"an address", nil, map[string]string{"IMAGEGW_OPERATOR_LISTEN": "127.0.0.1:9999"}, "127.0.0.1:9999"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.env), io.Discard)
			require.NoError(t, err)
			require.Equal(t, tt.want, c.OperatorListen)
		})
	}
}

// A boolean flag may be given bare, or with a value.
func TestBoolFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"--deprecation-headers"}, true},
		{[]string{"--deprecation-headers=false"}, false},
		{[]string{"-deprecation-headers=true"}, true},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c, err := Load(tt.args, env(map[string]string{"IMAGEGW_DEPRECATION_HEADERS": "false"}), io.Discard)
			require.NoError(t, err)
			require.Equal(t, tt.want, c.DeprecationHeaders)
		})
	}
}

func TestEmptyFiles(t *testing.T) {
	for _, content := range []string{"", "# nothing\n", "~\n", "---\n"} {
		c, err := Load([]string{"--config", writeFile(t, content)}, env(nil), io.Discard)
		require.NoError(t, err, "%q", content)
		require.Equal(t, Defaults(), c)
	}
}
