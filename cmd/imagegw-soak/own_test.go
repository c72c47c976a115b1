package main

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

func newOwnImage(id string) *ownImage {
	img := &ownImage{id: id, keys: map[string]*keyState{}}
	for _, k := range ownKeys {
		img.keys[k] = &keyState{}
	}
	return img
}

// TestOwnKeyClaims is one sequence: each step depends on the claims before.
func TestOwnKeyClaims(t *testing.T) {
	s := ownSet{images: []*ownImage{newOwnImage("i")}}
	rng := rand.New(rand.NewSource(2))

	require.Nil(t, s.claimKeys(rng, 1, true), "no key is set yet")
	c := s.claimKeys(rng, 2, false)
	require.NotNil(t, c)
	s.release(c, true, func(k map[string]*keyState) {
		for _, key := range c.keys {
			k[key].present, k[key].value = true, "v"
		}
	})
	d := s.claimKeys(rng, 1, true)
	require.NotNil(t, d)
	require.Contains(t, c.keys, d.keys[0])
	require.True(t, s.state(d, d.keys[0]).busy)

	// a failed request quarantines its keys
	s.release(d, false, nil)
	e := s.claimKeys(rng, len(ownKeys)-1, false)
	require.NotNil(t, e)
	require.NotContains(t, e.keys, d.keys[0])
	require.Nil(t, s.claimKeys(rng, 1, false), "all keys busy")
}
