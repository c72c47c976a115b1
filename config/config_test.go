package config

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8774", c.Listen)
	require.Equal(t, "2.93", c.Max.String())
	require.Equal(t, "2.35", c.ImagesMax.String())
	require.Equal(t, "2.38", c.MetadataMax.String())
	require.Equal(t, 128, c.MetadataItems)
	require.Equal(t, "127.0.0.1:9774", c.OperatorListen, "operator endpoints on loopback by default")
	require.Equal(t, 16384, c.MaxHeaderLine, "Nova's [wsgi] max_header_line")
}

// operator_listen "none" (from any source) means no operator listener.
func TestOperatorListenNone(t *testing.T) {
	c, err := Load(nil, env(map[string]string{"IMAGEGW_OPERATOR_LISTEN": "none"}), io.Discard)
	require.NoError(t, err)
	require.Empty(t, c.OperatorListen)
	p := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(p, []byte("operator_listen: none\n"), 0o600))
	c, err = Load([]string{"--config", p}, env(nil), io.Discard)
	require.NoError(t, err)
	require.Empty(t, c.OperatorListen)
	c, err = Load(nil, env(map[string]string{"IMAGEGW_OPERATOR_LISTEN": "127.0.0.1:9999"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9999", c.OperatorListen)
}

func TestPrecedenceFileEnvFlag(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "imagegw.yaml")
	require.NoError(t, os.WriteFile(path, []byte("listen: 127.0.0.1:1111\nregion: R1\nimages_max_version: '2.30'\ntoken_cache_ttl: 1m\nmetadata_items: 10\n"), 0o600))
	c, err := Load([]string{"--config", path}, env(nil), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:1111", c.Listen)
	require.Equal(t, "R1", c.Region)
	require.Equal(t, "2.30", c.ImagesMax.String())
	require.Equal(t, time.Minute, c.TokenCacheTTL)
	require.Equal(t, 10, c.MetadataItems)

	c, err = Load([]string{"--config", path}, env(map[string]string{"IMAGEGW_LISTEN": "127.0.0.1:2222", "IMAGEGW_REGION": "R2"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:2222", c.Listen, "env beats file")
	c, err = Load([]string{"--config", path, "--listen", "127.0.0.1:3333"}, env(map[string]string{"IMAGEGW_LISTEN": "127.0.0.1:2222"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:3333", c.Listen, "flag beats env")
	require.Equal(t, "R1", c.Region)

	c, err = Load(nil, env(map[string]string{"IMAGEGW_CONFIG": path}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:1111", c.Listen)
}

func TestInvalidNamesTheKey(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "c.yaml")
		require.NoError(t, os.WriteFile(p, []byte(s), 0o600))
		return p
	}
	for yaml, key := range map[string]string{
		"listen: nope\n":                    "listen",
		"glance_url: ftp://x\n":             "glance_url",
		"keystone_url: ftp://x/v3\n":        "keystone_url",
		"keystone_url: keystone/v3\n":       "keystone_url",
		"public_url: not a url\n":           "public_url",
		"interface: private\n":              "interface",
		"max_version: two\n":                "max_version",
		"images_max_version: '2.99'\n":      "images_max_version",
		"metadata_max_version: '1.5'\n":     "metadata_max_version",
		"metadata_items: -2\n":              "metadata_items",
		"gc_min_headroom: -1\n":             "gc_min_headroom",
		"upstream_timeout: 0s\n":            "upstream_timeout",
		"log_level: loud\n":                 "log_level",
		"no_such_key: 1\n":                  "no_such_key",
		"token_cache_ttl: soon\n":           "token_cache_ttl",
		"ready_cache_ttl: -1s\n":            "ready_cache_ttl",
		"invalid_token_cache_ttl: -1s\n":    "invalid_token_cache_ttl",
		"invalid_token_cache_max: -1\n":     "invalid_token_cache_max",
		"operator_listen: 127.0.0.1:8774\n": "operator_listen",
	} {
		_, err := Load([]string{"--config", write(yaml)}, env(nil), io.Discard)
		require.Error(t, err, yaml)
		require.Contains(t, err.Error(), key, yaml)
	}
	_, err := Load(nil, env(map[string]string{"IMAGEGW_UPSTREAM_TIMEOUT": "x"}), io.Discard)
	require.ErrorContains(t, err, "upstream_timeout")
	_, err = Load(nil, env(map[string]string{"IMAGEGW_KEYSTONE_URL": "127.0.0.1:5000"}), io.Discard)
	require.ErrorContains(t, err, "keystone_url")
	_, err = Load([]string{"--keystone-url", "http://"}, env(nil), io.Discard)
	require.ErrorContains(t, err, "keystone_url")
	_, err = Load([]string{"--bogus"}, env(nil), io.Discard)
	require.Error(t, err)
}

// keystone_url (the identity endpoint tokens are validated at) follows the
// same precedence as the other keys: default, file, environment, flag.
func TestKeystoneURLPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "imagegw.yaml")
	require.NoError(t, os.WriteFile(path, []byte("keystone_url: http://file.test:5000/v3\n"), 0o600))
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
