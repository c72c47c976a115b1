package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunStopsBeforeTheCloud covers the exits that come before any cloud
// or imagegw is touched.
func TestRunStopsBeforeTheCloud(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"help", []string{"--help"}, 0, "usage: imagegw-soak --target URL --pid PID [flags]"},
		{"no target", []string{"--pid", "1"}, 2, "imagegw-soak: --target is required"},
		{"bad flag", []string{"--nope"}, 2, "flag provided but not defined: -nope"},
		{"no such process", []string{"--target", "http://x", "--pid", "999999999"}, 2, "imagegw-soak: pid 999999999: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			require.Equal(t, tc.code, code)
			require.Contains(t, stderr.String(), tc.inStderr)
			require.Empty(t, stdout.String())
		})
	}
}
