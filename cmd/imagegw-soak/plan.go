package main

import (
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
)

// prefix picks a URL form and the version headers that go with it.
func (s *soak) prefix(rng *rand.Rand, user string) (string, map[string]string) {
	proj := s.accounts[user].project
	var p string
	switch rng.Intn(4) {
	case 0, 1:
		p = "/v2.1"
	case 2:
		p = "/v2.1/" + proj
	default:
		return "/v2/" + proj, nil // legacy: versions ignored
	}
	switch rng.Intn(3) {
	case 0:
		return p, nil
	case 1:
		return p, map[string]string{"X-OpenStack-Nova-API-Version": "2.35"}
	default:
		return p, map[string]string{"OpenStack-API-Version": "compute 2.1"}
	}
}

// plan builds the next request of kind op. The user is drawn for every op,
// used or not, so that a seed replays the same sequence.
func (s *soak) plan(rng *rand.Rand, op string) *request {
	user := users[rng.Intn(len(users))]
	switch op {
	case "list", "detail":
		return s.planList(rng, op, user)
	case "show", "meta-index", "meta-show":
		return s.planSeeded(rng, op, user)
	case "own-index":
		return s.planOwnIndex(rng)
	case "own-show":
		return s.planOwnShow(rng)
	case "meta-post":
		return s.planMetaPost(rng)
	case "meta-put-item":
		c := s.own.claimKeys(rng, 1, false)
		if c == nil {
			return s.plan(rng, "own-index")
		}
		return s.planPutItem(rng, c)
	case "meta-delete-item":
		return s.planDeleteItem(rng)
	case "meta-write-denied":
		return s.planWriteDenied(rng)
	}
	panic("unknown op " + op)
}

func (s *soak) planList(rng *rand.Rand, op, user string) *request {
	q := strings.ReplaceAll(listQueries[rng.Intn(len(listQueries))], "{marker}", s.marker)
	limit := -1
	for _, kv := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(kv, "limit="); ok {
			limit, _ = strconv.Atoi(v)
		}
	}
	p, h := s.prefix(rng, user)
	path := p + "/images"
	if op == "detail" {
		path += "/detail"
	}
	if q != "" {
		path += "?" + q
	}
	return &request{op: op, user: user, method: "GET", path: path, header: h, expect: []int{200},
		check: listCheck(op, user, limit, s.hidden[user])}
}

// listCheck checks a list or detail answer; limit -1: none asked.
func listCheck(op, user string, limit int, hidden map[string]bool) func(int, []byte) error {
	return objectCheck(func(m map[string]any) error {
		list, ok := m["images"].([]any)
		if !ok {
			return errors.New("no images array")
		}
		if limit >= 0 && len(list) > limit {
			return fmt.Errorf("%d images for limit=%d", len(list), limit)
		}
		for _, x := range list {
			im, _ := x.(map[string]any)
			id, _ := im["id"].(string)
			if id == "" {
				return errors.New("image without id")
			}
			if hidden[id] {
				return fmt.Errorf("image %s is listed but Glance hides it from %s", id, user)
			}
			if _, ok := im["status"]; op == "detail" && !ok {
				return fmt.Errorf("detail item %s without status", id)
			}
		}
		return nil
	})
}

func (s *soak) planSeeded(rng *rand.Rand, op, user string) *request {
	im := s.seeded[rng.Intn(len(s.seeded))]
	p, h := s.prefix(rng, user)
	r := &request{op: op, user: user, method: "GET", header: h}
	visible := im.visible[user]
	switch op {
	case "show":
		r.path = p + "/images/" + im.id
		expectFound(r, visible, objectCheck(func(m map[string]any) error {
			img, _ := m["image"].(map[string]any)
			if img["id"] != im.id {
				return fmt.Errorf("image.id %v, want %s", img["id"], im.id)
			}
			return nil
		}))
	case "meta-index":
		r.path = p + "/images/" + im.id + "/metadata"
		expectFound(r, visible, objectCheck(func(m map[string]any) error {
			if _, ok := m["metadata"].(map[string]any); !ok {
				return errors.New("no metadata object")
			}
			return nil
		}))
	case "meta-show":
		key := pickMetaKey(rng, im)
		r.path = p + "/images/" + im.id + "/metadata/" + key
		want, set := im.props[key]
		expectFound(r, visible && set, metaValueCheck(key, want))
	}
	return r
}

// expectFound expects 200 and check when found, else Nova's 404.
func expectFound(r *request, found bool, check func(int, []byte) error) {
	if !found {
		r.expect, r.check = []int{404}, notFoundCheck
		return
	}
	r.expect, r.check = []int{200}, check
}

// pickMetaKey asks two times in three for a key the image has.
func pickMetaKey(rng *rand.Rand, im *seeded) string {
	key := metaKeys[rng.Intn(len(metaKeys))]
	if len(im.setKeys) > 0 && rng.Intn(3) > 0 {
		key = im.setKeys[rng.Intn(len(im.setKeys))]
	}
	return key
}

// metaValueCheck compares printed values: want is any JSON value of
// Glance's answer.
func metaValueCheck(key string, want any) func(int, []byte) error {
	return objectCheck(func(m map[string]any) error {
		meta, _ := m["meta"].(map[string]any)
		if fmt.Sprint(meta[key]) != fmt.Sprint(want) {
			return fmt.Errorf("meta.%s=%v, want %v", key, meta[key], want)
		}
		return nil
	})
}
