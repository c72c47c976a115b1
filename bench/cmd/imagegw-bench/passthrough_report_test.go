package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPassThroughTargets(t *testing.T) {
	res := &results{runs: map[string]Record{}, conns: 4}
	require.Empty(t, passThroughTargets(res), "not measured: no verdict")
	set := func(target string, conns int, rps, p50 float64) {
		res.runs[key(target, "flavors", conns)] = Record{Target: target, Case: "flavors", RPS: rps, P50MS: p50}
	}
	set("nova-direct", 1, 100, 10)
	set("imagegw-front", 1, 98, 10.4)
	set("nova-direct", 4, 300, 13)
	set("imagegw-front", 4, 290, 13.5)
	ts := passThroughTargets(res)
	require.Len(t, ts, 2)
	require.True(t, ts[0].ok, "+0.4 ms <= 1 ms")
	require.True(t, ts[1].ok, "0.97x >= 0.95x")
	set("imagegw-front", 1, 90, 11.5)
	set("imagegw-front", 4, 270, 14)
	ts = passThroughTargets(res)
	require.False(t, ts[0].ok, "+1.5 ms")
	require.False(t, ts[1].ok, "0.9x")
}
