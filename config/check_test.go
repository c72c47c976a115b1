package config

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/microversion"
)

// Check changes nothing and refuses parsed values that disagree with their
// keys; Resolve fills them.
func TestResolveAndCheck(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(*Config)
		key    string // Check's error names it; "" means Check passes
	}{
		{"defaults", func(*Config) {}, ""},
		{"max_version changed", func(c *Config) { c.MaxVersion = "2.60" }, "max_version"},
		{"images_max_version changed", func(c *Config) { c.ImagesMaxVersion = "2.10" }, "images_max_version"},
		{"metadata_max_version changed", func(c *Config) { c.MetadataMaxVersion = "2.20" }, "metadata_max_version"},
		{"brownout_windows changed", func(c *Config) { c.BrownoutWindows = []string{"10:00-10:30"} }, "brownout_windows"},
		{"a plain key changed", func(c *Config) { c.MetadataItems = 3 }, ""},
		{"redis_url of one Redis", func(c *Config) { c.RedisURL = "rediss://u:p@redis:6380/2" }, ""},
		{"redis_url of a Sentinel group", func(c *Config) {
			c.RedisURL = "redis://s1:26379?addr=s2:26379&addr=s3:26379&master_set=imagegw"
		}, ""},
		{"redis_url of a Cluster", func(c *Config) { c.RedisURL = "redis://n1:7000?addr=n2:7001&addr=n3:7002" }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			tt.mutate(&c)
			before := c
			err := c.Check()
			require.Equal(t, before, c, "Check is pure")
			if tt.key != "" {
				require.ErrorContains(t, err, tt.key)
			} else {
				require.NoError(t, err)
			}
			require.NoError(t, c.Resolve())
			require.NoError(t, c.Check(), "resolved")
		})
	}
}

// What the proxy and e2e tests do: change version strings, Resolve, then
// read the parsed versions.
func TestResolveFillsParsedValues(t *testing.T) {
	c := Defaults()
	c.MaxVersion, c.ImagesMaxVersion, c.MetadataMaxVersion = "2.60", "2.10", "2.20"
	c.BrownoutWindows = []string{"10:00-10:30", "23:50-00:10"}
	require.NoError(t, c.Resolve())
	require.Equal(t, microversion.V(2, 60), c.Max)
	require.Equal(t, microversion.V(2, 10), c.ImagesMax)
	require.Equal(t, microversion.V(2, 20), c.MetadataMax)
	require.Equal(t, []Window{{600, 630}, {1430, 10}}, c.Brownouts)
}

// Resolve leaves the parsed values alone when a key does not parse.
func TestResolveBadVersion(t *testing.T) {
	c := Defaults()
	c.MaxVersion = " 2.x"
	require.ErrorContains(t, c.Resolve(), "max_version")
	require.Equal(t, microversion.V(2, 93), c.Max)
	c.MaxVersion = "2.0"
	require.ErrorContains(t, c.Resolve(), "below 2.1")
}
