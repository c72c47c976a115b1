package probe

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/conformance"
)

// The deviations as the probe reads them, on the property-os_probe case
// whose Nova answer is [] and whose deviant (imagegw's) answer is [active].
func TestDeviationsAreAllowancesWithTheDeviantAnswer(t *testing.T) {
	devs, err := conformance.ImagegwDeviations()
	require.NoError(t, err)
	var c Case
	for _, x := range Cases(standIn(false), zed) {
		if x.Name == "images.list/v2.1/mv-2.35/primary/property-os_probe" {
			c = x
		}
	}
	require.NotNil(t, c.Deviant, "the case knows imagegw's answer")
	other := *c.Deviant
	other.Body = map[string]any{"images": []any{map[string]any{"id": "someone-elses"}}}
	for _, tc := range []struct {
		name string
		got  conformance.Normalized
		want string
	}{
		{"answers as Nova", c.Want, conformance.StatusPass},
		{"answers as imagegw documents", *c.Deviant, conformance.StatusDeviation},
		{"answers something else in the listed field", other, conformance.StatusFail},
	} {
		got := map[string]conformance.Normalized{c.Name: tc.got}
		rep := conformance.Evaluate([]conformance.Case{c.Case}, Wants([]Case{c}), got, devs)
		allow(rep, []Case{c}, got)
		o := rep.Outcomes[0]
		require.Equal(t, tc.want, o.Status, tc.name)
		if o.Status == conformance.StatusFail { // every report says the same: differs from the deviation's answer
			require.Equal(t, o.Unexpected, o.Diffs, tc.name)
			require.Empty(t, o.Deviations, tc.name)
		}
	}
}

func TestRunStartedReadsTheRunID(t *testing.T) {
	now := time.Date(2026, 12, 1, 23, 5, 9, 0, time.UTC)
	started, ok := RunStarted(Prefix + NewRunID(now) + "-" + RoleActive)
	require.True(t, ok)
	require.Equal(t, now, started)
	for _, name := range []string{"ubuntu-22.04", Prefix + "x", Prefix + "2026120"} {
		_, ok := RunStarted(name)
		require.False(t, ok, name)
	}
}
