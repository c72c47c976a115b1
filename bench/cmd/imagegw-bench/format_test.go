package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNum(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{123.4, "123"},
		{12.34, "12.3"},
		{1.234, "1.23"},
		{0.1234, "0.123"},
		{-12.34, "-12.3"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, num(tc.v))
	}
}

func TestRatioCell(t *testing.T) {
	tests := []struct {
		ok   bool
		v    float64
		want string
	}{
		{true, 2.5, "2.50x"},
		{false, 2.5, "–"},
		{true, math.Inf(1), "–"},
		{true, math.NaN(), "–"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, ratioCell(tc.ok, tc.v))
	}
}

func TestQuantileNearestRank(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct{ q, want float64 }{{0.5, 5}, {0.9, 9}, {0.99, 10}, {1, 10}, {0.01, 1}} {
		require.Equal(t, tc.want, quantile(xs, tc.q), "q=%v", tc.q)
	}
	require.Zero(t, quantile(nil, 0.5))
}
