package upstream

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStreamIDOrder(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{
		{"1-0", "2-0", true},
		{"2-0", "1-0", false},
		{"5-1", "5-2", true},
		{"5-2", "5-2", false},
		{"9-9", "10-0", true}, // numbers, not strings
		{"0-0", "1733000000000-0", true},
	} {
		a, okA := parseStreamID(tc.a)
		b, okB := parseStreamID(tc.b)
		require.True(t, okA && okB)
		require.Equal(t, tc.less, a.less(b), "%s < %s", tc.a, tc.b)
	}
	for _, bad := range []string{"", "1", "a-1", "1-b", "-"} {
		_, ok := parseStreamID(bad)
		require.False(t, ok, bad)
	}
}
