package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/conformance/probe"
)

// The footprint lines and the verdict the exit status follows.
func TestWriteFootprint(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  probe.Result
		ok   bool
		says []string
	}{
		{"stopped before it looked", probe.Result{Run: "r"}, true, nil},
		{"clean", probe.Result{Run: "r", Created: []string{"a", "b"}, Deleted: []string{"a", "b"}, Others: 7}, true,
			[]string{"fixtures of run r: 2 created, 2 removed by the cleanup, 0 left", "other images: 7 seen before the run, identical after it"}},
		{"left", probe.Result{Run: "r", Created: []string{"a"}, Left: []string{"a"}}, false,
			[]string{"1 left", "cleanup --prefix " + probe.Prefix + "r"}},
		{"cleanup error", probe.Result{Run: "r", Created: []string{"a"}, CleanupErr: errors.New("glance down")}, false,
			[]string{"cleanup FAILED: glance down"}},
		{"changed", probe.Result{Run: "r", Created: []string{"a"}, Others: 3, Changes: []string{"primary: gone: x"}}, false,
			[]string{"CHANGED after it", "primary: gone: x"}},
		{"not listed after", probe.Result{Run: "r", Created: []string{"a"}, Others: 3, AfterErr: errors.New("timeout")}, false,
			[]string{"NOT LISTED after it: timeout"}},
		{"not run", probe.Result{Run: "r", Created: []string{"a"}, NotRun: []string{"public image cases: 403"}}, true,
			[]string{"not run: public image cases: 403"}},
	} {
		var b strings.Builder
		require.Equal(t, tc.ok, writeFootprint(&b, &tc.res), tc.name)
		for _, s := range tc.says {
			require.Contains(t, b.String(), s, tc.name)
		}
		if tc.says == nil {
			require.Empty(t, b.String(), tc.name)
		}
		if tc.ok {
			require.NotContains(t, b.String(), "FAILED", tc.name)
		}
	}
}

func TestProbeDeviations(t *testing.T) {
	d, err := probeDeviations("builtin")
	require.NoError(t, err)
	require.NotEmpty(t, d.Deviations)
	for _, none := range []string{"none", ""} {
		d, err := probeDeviations(none)
		require.NoError(t, err)
		require.Nil(t, d)
	}
	_, err = probeDeviations("/no/such/file.yaml")
	require.Error(t, err)
}
