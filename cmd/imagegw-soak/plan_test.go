package main

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// planSoak is a soak set up without a cloud: one seeded image that only
// demo and admin see, with os_distro set, and one own image.
func planSoak() *soak {
	s := &soak{accounts: map[string]*account{}, hidden: map[string]map[string]bool{"alt": {"img-1": true}, "other": {"img-1": true}}}
	for _, u := range users {
		s.accounts[u] = &account{name: u, project: "p-" + u}
	}
	s.seeded = []*seeded{{name: "ref-active", id: "img-1", visible: map[string]bool{"demo": true, "admin": true},
		props: map[string]any{"os_distro": "ubuntu"}, setKeys: []string{"os_distro"}}}
	s.own.images = []*ownImage{newOwnImage("own-1")}
	s.marker = "img-0"
	return s
}

func TestPlanEveryOp(t *testing.T) {
	s := planSoak()
	rng := rand.New(rand.NewSource(3))
	for _, o := range mix {
		t.Run(o.name, func(t *testing.T) {
			for i := 0; i < 50; i++ {
				r := s.plan(rng, o.name)
				require.Contains(t, r.path, "/images")
				require.NotEmpty(t, r.expect)
				require.Contains(t, users, r.user)
				if r.release != nil {
					r.release(true)
				}
			}
		})
	}
}

func TestPlanSeededExpectations(t *testing.T) {
	s := planSoak()
	rng := rand.New(rand.NewSource(4))
	for i := 0; i < 200; i++ {
		op := []string{"show", "meta-index", "meta-show"}[i%3]
		r := s.plan(rng, op)
		visible := r.user == "demo" || r.user == "admin"
		set := op != "meta-show" || strings.HasSuffix(r.path, "/os_distro")
		if visible && set {
			require.Equal(t, []int{200}, r.expect, r.path)
		} else {
			require.Equal(t, []int{404}, r.expect, r.path)
			require.NoError(t, r.check(404, []byte(`{"itemNotFound": {}}`)))
		}
	}
}

func TestListCheck(t *testing.T) {
	tests := []struct {
		name, op, body string
		limit          int
		ok             bool
	}{
		{"within the limit", "list", `{"images": [{"id": "a"}]}`, 1, true},
		{"over the limit", "list", `{"images": [{"id": "a"}, {"id": "b"}]}`, 1, false},
		{"no array", "list", `{}`, -1, false},
		{"item without id", "list", `{"images": [{}]}`, -1, false},
		{"hidden image listed", "list", `{"images": [{"id": "h"}]}`, -1, false},
		{"detail item without status", "detail", `{"images": [{"id": "a"}]}`, -1, false},
		{"detail item", "detail", `{"images": [{"id": "a", "status": "ACTIVE"}]}`, -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := listCheck(tc.op, "alt", tc.limit, map[string]bool{"h": true})(200, []byte(tc.body))
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}
