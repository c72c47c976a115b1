package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseFlagsRejects(t *testing.T) {
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"--pid", "1"}, "--target is required"},
		{[]string{"--target", "http://x"}, "--pid is required"},
		{[]string{"--target", "http://x", "--pid", "1", "--duration", "25h"}, "--duration must be in (0, 24h]"},
		{[]string{"--target", "http://x", "--pid", "1", "--rate", "0"}, "--rate must be in (0, 10000]"},
		{[]string{"--target", "http://x", "--pid", "1", "--workers", "0"}, "--workers, --images, --interval, --timeout must be positive"},
		{[]string{"--target", "http://x", "--pid", "1", "--timeout", "0s"}, "--workers, --images, --interval, --timeout must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.err, func(t *testing.T) {
			_, err := parseFlags(tc.args, io.Discard)
			require.ErrorContains(t, err, tc.err)
		})
	}
}

func TestParseFlagsAccepts(t *testing.T) {
	o, err := parseFlags([]string{"--target", "http://x/", "--pid", "1", "--duration", "2m", "--rate", "5"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "http://x", o.target)
	require.Equal(t, 2*time.Minute, o.duration)
	require.Equal(t, 5.0, o.rate)
	require.NotZero(t, o.seed)

	o, err = parseFlags([]string{"--target", "http://x", "--pid", "1", "--seed", "7"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, int64(7), o.seed)
	require.Equal(t, 32, o.workers)
	require.Equal(t, "bench/results/soak.md", o.reportPath)
}
