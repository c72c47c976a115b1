package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReplicasTargets(t *testing.T) {
	res := &results{runs: map[string]Record{}, conns: 4}
	require.Empty(t, replicasTargets(res), "not measured: no verdict")
	set := func(target, cs string, conns int, rps, p50 float64) {
		res.runs[key(target, cs, conns)] = Record{Target: target, Case: cs, RPS: rps, P50MS: p50}
	}
	set("imagegw-alone", "detail-50", 4, 1000, 0)
	set("imagegw-coordinated", "detail-50", 4, 850, 0)
	set("imagegw-miss-alone", "show", 1, 0, 10)
	set("imagegw-miss-coordinated", "show", 1, 0, 10.5)
	set("imagegw-alone", "metadata-put", 1, 0, 30)
	set("imagegw-coordinated", "metadata-put", 1, 0, 33)
	ts := replicasTargets(res)
	require.Len(t, ts, 3)
	require.True(t, ts[0].ok, "0.85x >= 0.8x")
	require.True(t, ts[1].ok, "+0.5 ms <= 1 ms")
	require.False(t, ts[2].ok, "+3 ms > 2 ms")
	set("imagegw-coordinated", "detail-50", 4, 700, 0)
	require.False(t, replicasTargets(res)[0].ok, "0.7x")
}
