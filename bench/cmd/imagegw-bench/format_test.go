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
