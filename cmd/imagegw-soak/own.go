package main

import (
	"math/rand"
	"sync"
)

const ownTag = "imagegw-soak"

var ownKeys = []string{"soak_k0", "soak_k1", "soak_k2", "soak_k3", "soak_k4", "soak_k5", "soak_k6", "soak_k7"}

// keyState is what the tool knows about one metadata key of an own image.
// A key is used by one request at a time (busy), so its expected value is
// exact; after an unexpected answer it stays busy (quarantined).
type keyState struct {
	busy    bool
	present bool
	value   string
}

type ownImage struct {
	id   string
	keys map[string]*keyState
}

type ownSet struct {
	mu     sync.Mutex
	images []*ownImage
}

type claim struct {
	img  *ownImage
	keys []string
}

// claimKeys marks n free keys of one image busy; onlyPresent restricts to
// keys that are set. It tries every image from a random start.
func (s *ownSet) claimKeys(rng *rand.Rand, n int, onlyPresent bool) *claim {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := rng.Intn(len(s.images))
	for i := range s.images {
		img := s.images[(start+i)%len(s.images)]
		var free []string
		for _, k := range ownKeys {
			st := img.keys[k]
			if !st.busy && (!onlyPresent || st.present) {
				free = append(free, k)
			}
		}
		if len(free) < n {
			continue
		}
		rng.Shuffle(len(free), func(a, b int) { free[a], free[b] = free[b], free[a] })
		c := &claim{img: img, keys: free[:n]}
		for _, k := range c.keys {
			img.keys[k].busy = true
		}
		return c
	}
	return nil
}

func (s *ownSet) state(c *claim, key string) keyState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *c.img.keys[key]
}

// release frees the claimed keys; ok false quarantines them.
func (s *ownSet) release(c *claim, ok bool, update func(map[string]*keyState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok {
		return
	}
	if update != nil {
		update(c.img.keys)
	}
	for _, k := range c.keys {
		c.img.keys[k].busy = false
	}
}
