package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		name   string
		status string
		kb     int64
		fails  bool
	}{
		{"status file", "Name:\timagegw\nVmPeak:\t 1262332 kB\nVmRSS:\t   23456 kB\nRssAnon:\t 10000 kB\n", 23456, false},
		{"no VmRSS line", "Name:\tx\n", 0, true},
		{"VmRSS without a value", "VmRSS:\n", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kb, err := parseVmRSS(tc.status)
			if tc.fails {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.kb, kb)
		})
	}
}
