package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRegions(t *testing.T) {
	rs, err := parseRegions([]string{
		"RegionOne /regionone nova_url=http://nova1:8774 public_url=https://api.example/regionone",
		"RegionTwo   /eu/west  glance_url=http://glance2:9292",
	})
	require.NoError(t, err)
	require.Equal(t, []Region{
		{Name: "RegionOne", Prefix: "/regionone", NovaURL: "http://nova1:8774", PublicURL: "https://api.example/regionone"},
		{Name: "RegionTwo", Prefix: "/eu/west", GlanceURL: "http://glance2:9292"},
	}, rs)
	for _, bad := range [][]string{
		{"R1"}, {"R1 r1"}, {"R1 /"}, {"R1 /r1/"}, {"R1 /v2"}, {"R1 /v2.1/x"}, {"R1 /r 1"},
		{"R1 /r1 nova_url=http://a nova_url=http://b"}, {"R1 /r1 public_url=ftp://x"},
		{"R1 /a", "R2 /a"}, {"R1 /a", "R1 /b"}, {"R1 /a/b", "R2 /a"},
	} {
		_, err := parseRegions(bad)
		require.Error(t, err, "%q", bad)
	}
}
