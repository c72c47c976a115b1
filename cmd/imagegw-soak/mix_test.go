package main

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMixWeights(t *testing.T) {
	sum := 0
	for _, o := range mix {
		sum += o.weight
	}
	require.Equal(t, 100, sum)

	rng := rand.New(rand.NewSource(1))
	seen := map[string]int{}
	for i := 0; i < 10000; i++ {
		seen[pickOp(rng)]++
	}
	for _, o := range mix {
		require.Greater(t, seen[o.name], 0, o.name)
	}
	require.InDelta(t, 2000, seen["detail"], 200)
}
