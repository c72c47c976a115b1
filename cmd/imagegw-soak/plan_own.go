package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
)

// The plans on own images claim the keys they touch (see ownSet); with no
// key free they fall back to an own-index through plan.

func (s *soak) planOwnIndex(rng *rand.Rand) *request {
	img := s.own.images[rng.Intn(len(s.own.images))]
	p, h := s.prefix(rng, "demo")
	return &request{op: "own-index", user: "demo", method: "GET", path: p + "/images/" + img.id + "/metadata", header: h,
		expect: []int{200}, check: objectCheck(func(m map[string]any) error {
			md, _ := m["metadata"].(map[string]any)
			if md["soak_seed"] != "1" {
				return errors.New("metadata without soak_seed=1")
			}
			return nil
		})}
}

func (s *soak) planOwnShow(rng *rand.Rand) *request {
	c := s.own.claimKeys(rng, 1, false)
	if c == nil {
		return s.plan(rng, "own-index")
	}
	key := c.keys[0]
	st := s.own.state(c, key)
	p, h := s.prefix(rng, "demo")
	r := &request{op: "own-show", user: "demo", method: "GET", path: p + "/images/" + c.img.id + "/metadata/" + key, header: h,
		release: func(ok bool) { s.own.release(c, ok, nil) }}
	if !st.present {
		r.expect, r.check = []int{404}, notFoundCheck
		return r
	}
	r.expect = []int{200}
	r.check = objectCheck(func(m map[string]any) error {
		meta, _ := m["meta"].(map[string]any)
		if got := meta[key]; got != st.value {
			return fmt.Errorf("stale read: %s=%v, last written %q", key, got, st.value)
		}
		return nil
	})
	return r
}

func (s *soak) planMetaPost(rng *rand.Rand) *request {
	c := s.own.claimKeys(rng, 2, false)
	if c == nil {
		return s.plan(rng, "own-index")
	}
	vals := map[string]string{c.keys[0]: s.nextValue(), c.keys[1]: s.nextValue()}
	body, _ := json.Marshal(map[string]any{"metadata": vals})
	p, h := s.prefix(rng, "demo")
	return &request{op: "meta-post", user: "demo", method: "POST", path: p + "/images/" + c.img.id + "/metadata", header: h, body: body,
		expect: []int{200},
		check: objectCheck(func(m map[string]any) error {
			md, _ := m["metadata"].(map[string]any)
			for k, v := range vals {
				if md[k] != v {
					return fmt.Errorf("metadata %s=%v, want %q", k, md[k], v)
				}
			}
			return nil
		}),
		release: func(ok bool) {
			s.own.release(c, ok, func(keys map[string]*keyState) {
				for k, v := range vals {
					keys[k].present, keys[k].value = true, v
				}
			})
		}}
}

func (s *soak) planPutItem(rng *rand.Rand, c *claim) *request {
	key, val := c.keys[0], s.nextValue()
	user := "demo"
	if rng.Intn(4) == 0 {
		user = "admin"
	}
	body, _ := json.Marshal(map[string]any{"meta": map[string]string{key: val}})
	p, h := s.prefix(rng, user)
	return &request{op: "meta-put-item", user: user, method: "PUT", path: p + "/images/" + c.img.id + "/metadata/" + key, header: h, body: body,
		expect: []int{200},
		check: objectCheck(func(m map[string]any) error {
			meta, _ := m["meta"].(map[string]any)
			if len(meta) != 1 || meta[key] != val {
				return fmt.Errorf("meta %v, want {%s: %s}", m["meta"], key, val)
			}
			return nil
		}),
		release: func(ok bool) {
			s.own.release(c, ok, func(keys map[string]*keyState) { keys[key].present, keys[key].value = true, val })
		}}
}

// planDeleteItem puts a key instead when no set key is free, so that keys
// get set again.
func (s *soak) planDeleteItem(rng *rand.Rand) *request {
	c := s.own.claimKeys(rng, 1, true)
	if c == nil {
		if c = s.own.claimKeys(rng, 1, false); c == nil {
			return s.plan(rng, "own-index")
		}
		return s.planPutItem(rng, c)
	}
	key := c.keys[0]
	p, h := s.prefix(rng, "demo")
	return &request{op: "meta-delete-item", user: "demo", method: "DELETE", path: p + "/images/" + c.img.id + "/metadata/" + key, header: h,
		expect: []int{204}, check: emptyCheck,
		release: func(ok bool) {
			s.own.release(c, ok, func(keys map[string]*keyState) { keys[key].present, keys[key].value = false, "" })
		}}
}

func (s *soak) planWriteDenied(rng *rand.Rand) *request {
	img := s.own.images[rng.Intn(len(s.own.images))]
	u := []string{"alt", "other"}[rng.Intn(2)]
	p, h := s.prefix(rng, u)
	return &request{op: "meta-write-denied", user: u, method: "PUT", path: p + "/images/" + img.id + "/metadata/soak_denied", header: h,
		body:   []byte(`{"meta": {"soak_denied": "x"}}`),
		expect: []int{404}, check: notFoundCheck}
}
