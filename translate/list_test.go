package translate

import (
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPyInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"10", 10, true}, {"+1", 1, true}, {" 1", 1, true}, {"1 ", 1, true},
		{"\t7\n", 7, true}, {"1_0", 10, true}, {"007", 7, true}, {"-1", -1, true}, {"-0", 0, true},
		{"٣", 3, true}, {"１２", 12, true},
		{"99999999999999999999", math.MaxInt64, true},
		{"", 0, false}, {" ", 0, false}, {"abc", 0, false}, {"1.5", 0, false}, {"_1", 0, false},
		{"1_", 0, false}, {"1__0", 0, false}, {"+", 0, false}, {"+-1", 0, false}, {"0x10", 0, false},
		{"1e3", 0, false},
	}
	for _, tt := range tests {
		got, ok := PyInt(tt.in)
		require.Equal(t, tt.ok, ok, "%q", tt.in)
		if ok {
			require.Equal(t, tt.want, got, "%q", tt.in)
		}
	}
}

func TestParseListValidation(t *testing.T) {
	tests := []struct {
		query string
		msg   string
	}{
		{"limit=-1", "Invalid input received: limit must be >= 0"},
		{"limit=abc", "Invalid input received: limit must be an integer"},
		{"limit=1.5", "Invalid input received: limit must be an integer"},
		{"limit=", "Invalid input received: limit must be an integer"},
		{"page_size=x", "Invalid input received: page_size must be an integer"},
		{"offset=-3", "Invalid input received: offset must be >= 0"},
		{"limit=x&page_size=y", "Invalid input received: limit must be an integer"},
		{"page_size=-1&offset=x", "Invalid input received: page_size must be >= 0"},
		{"limit=abc&limit=2", ""}, // last one wins
	}
	for _, tt := range tests {
		_, err := ParseList(tt.query)
		if tt.msg == "" {
			require.Nil(t, err, tt.query)
			continue
		}
		require.NotNil(t, err, tt.query)
		require.Equal(t, http.StatusBadRequest, err.Status)
		require.Equal(t, tt.msg, err.Message)
	}
}

func TestGlanceQuery(t *testing.T) {
	tests := []struct {
		name, query, glance string
		limit, linkLimit    int64
	}{
		{"no params", "", "?limit=1000", 0, 1000},
		{"limit smaller than page", "limit=3", "?limit=3", 3, 3},
		{"limit within the default page", "limit=500", "?limit=500", 500, 500},
		{"limit above max_limit not capped", "limit=5000", "?limit=1000", 5000, 1000},
		{"limit 0 means all", "limit=0", "?limit=1000", 0, 0},
		{"page_size", "page_size=50", "?limit=50", 0, 1000},
		{"page_size bounded by limit", "page_size=50&limit=7", "?limit=7", 7, 7},
		{"page_size 0 uses default", "page_size=0", "?limit=1000", 0, 1000},
		{"last limit wins", "limit=2&limit=4", "?limit=4", 4, 4},
		{"marker", "marker=abc", "?limit=1000&marker=abc", 0, 1000},
		{"empty marker ignored", "marker=", "?limit=1000", 0, 1000},
		{"offset ignored", "offset=5", "?limit=1000", 0, 1000},
		{"name", "name=ref-active", "?name=ref-active&limit=1000", 0, 1000},
		{"status lower-cased", "status=AcTiVe", "?status=active&limit=1000", 0, 1000},
		{"minRam minDisk", "minRam=512&minDisk=10", "?min_ram=512&min_disk=10&limit=1000", 0, 1000},
		{"server uuid", "server=9d3f", "?instance_uuid=9d3f&limit=1000", 0, 1000},
		{"server URL", "server=http%3A%2F%2Fh%2Fv2.1%2Fservers%2F9d3f", "?instance_uuid=9d3f&limit=1000", 0, 1000},
		{"type", "type=snapshot", "?image_type=snapshot&limit=1000", 0, 1000},
		{"changes-since", "changes-since=2020-01-01T00:00:00Z", "?updated_at=gte%3A2020-01-01T00%3A00%3A00Z&limit=1000", 0, 1000},
		{"property prefix stripped exactly", "property-os_distro=ubuntu", "?os_distro=ubuntu&limit=1000", 0, 1000},
		{"property empty value", "property-empty_prop=", "?empty_prop=&limit=1000", 0, 1000},
		{"property with space in key", "property-key+with+spaces=spaces", "?key+with+spaces=spaces&limit=1000", 0, 1000},
		{"unknown params dropped", "visibility=public&is_public=true&min_ram=5&sort_key=name&foo=bar", "?limit=1000", 0, 1000},
		{"request order kept", "type=x&name=n&status=ACTIVE", "?image_type=x&name=n&status=active&limit=1000", 0, 1000},
		{"type and property-image_type: later wins", "type=x&property-image_type=y", "?image_type=y&limit=1000", 0, 1000},
		{"repeated filter: last value", "name=a&name=b", "?name=b&limit=1000", 0, 1000},
		{"name operator passed through", "name=in:a,b", "?name=in%3Aa%2Cb&limit=1000", 0, 1000},
		{"marker escaped", "marker=a%26b", "?limit=1000&marker=a%26b", 0, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseList(tt.query)
			require.Nil(t, err)
			require.Equal(t, tt.glance, q.GlanceQuery())
			require.Equal(t, tt.limit, q.Limit)
			require.Equal(t, tt.linkLimit, q.LinkLimit)
		})
	}
}

func TestNextLink(t *testing.T) {
	const coll = "http://h/v2.1/images"
	tests := []struct {
		name, query string
		count       int
		want        string
	}{
		// shapes seen on the wire from nova-api (shared spec §3.2)
		{"limit reached", "limit=2", 2, coll + "?limit=2&marker=L"},
		{"limit not reached", "limit=3", 2, ""},
		{"params sorted, marker last", "status=ACTIVE&minRam=0&limit=3", 3, coll + "?limit=3&minRam=0&status=ACTIVE&marker=L"},
		{"encoding and unknown params kept", "zzz=a b&aaa=/:&status=active&limit=1&marker=old", 1,
			coll + "?aaa=%2F%3A&limit=1&marker=L&status=active&zzz=a+b"},
		{"changes-since encoded", "changes-since=2000-01-01T00:00:00%2B00:00&limit=1", 1,
			coll + "?changes-since=2000-01-01T00%3A00%3A00%2B00%3A00&limit=1&marker=L"},
		{"raw limit kept", "limit=1_0", 10, coll + "?limit=1_0&marker=L"},
		{"limit 0 never", "limit=0", 0, ""},
		{"no limit: 1000", "", 1000, coll + "?marker=L"},
		{"no limit: 999", "", 999, ""},
		{"limit above max: only at 1000", "limit=10000", 1000, coll + "?limit=10000&marker=L"},
		{"limit above max: 2000 returned", "limit=10000", 2000, ""},
		{"duplicates: greatest value in sorted order", "name=b&name=a&limit=1", 1, coll + "?limit=1&name=b&marker=L"},
		{"empty marker keeps its position", "marker=&limit=1&a=1", 1, coll + "?a=1&limit=1&marker=L"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseList(tt.query)
			require.Nil(t, err)
			require.Equal(t, tt.want, q.NextLink(coll, tt.count, "L"))
		})
	}
}

func TestParseQuery(t *testing.T) {
	require.Equal(t, []Pair{{"a", "1"}, {"b", ""}, {"c d", "e+f"}, {"x", "%zz"}},
		ParseQuery("a=1&b&c+d=e%2Bf&&x=%zz"))
	require.Nil(t, ParseQuery(""))
}
