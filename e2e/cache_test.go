//go:build e2e

package e2e

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCacheNeverLeaksNorServesStale drives a cached imagegw with randomly
// interleaved reads and writes from the owner (demo), a project the image
// is shared with (alt), a stranger (other) and an admin, and compares every
// read with the uncached gateway: any cross-project leak or stale read
// after a write through imagegw shows up as a difference.
func TestCacheNeverLeaksNorServesStale(t *testing.T) {
	cached, err := startGateway(nil) // default TTLs: cache on
	require.NoError(t, err)
	defer cached.Close()
	compared, writes := compareRandomized(t, cached.URL, 300, 20261123)
	require.Greater(t, compared, 150)
	require.Greater(t, writes, 40)
}

// compareRandomized sends steps random reads and writes to base (writes
// by the owner or the admin; reads by all four) and compares every read
// with the uncached gateway; it returns the reads compared and the writes.
func compareRandomized(t *testing.T, base string, steps int, seed int64) (compared, writes int) {
	private := createImage(t, "demo", map[string]any{"name": "e2e-cache-private", "p": "0"})
	shared := createImage(t, "demo", map[string]any{"name": "e2e-cache-shared", "visibility": "shared", "s": "0"})
	alt := world.seed.Projects["alt"]
	r := do(t, world.glance, "POST", "/v2/images/"+shared+"/members", "demo", map[string]string{"Content-Type": "application/json"}, `{"member": "`+alt+`"}`)
	require.Equal(t, 200, r.Status, string(r.Body))
	r = do(t, world.glance, "PUT", "/v2/images/"+shared+"/members/"+alt, "alt", map[string]string{"Content-Type": "application/json"}, `{"status": "accepted"}`)
	require.Equal(t, 200, r.Status, string(r.Body))

	users := []string{"demo", "alt", "other", "admin"}
	images := []string{private, shared}
	reads := []func(id string) string{
		func(string) string { return "/v2.1/images?name=in:e2e-cache-private,e2e-cache-shared" },
		func(string) string { return "/v2.1/images/detail?name=in:e2e-cache-private,e2e-cache-shared" },
		func(id string) string { return "/v2.1/images/" + id },
		func(id string) string { return "/v2.1/images/" + id + "/metadata" },
		func(id string) string { return "/v2.1/images/" + id + "/metadata/k1" },
	}
	rng := rand.New(rand.NewSource(seed))
	for step := 0; step < steps; step++ {
		user := users[rng.Intn(len(users))]
		id := images[rng.Intn(len(images))]
		if rng.Intn(4) == 0 { // a write through the cached gateway, by the owner or the admin
			writer := []string{"demo", "admin"}[rng.Intn(2)]
			key := fmt.Sprintf("k%d", rng.Intn(3))
			var w resp
			switch rng.Intn(3) {
			case 0:
				w = do(t, base, "POST", "/v2.1/images/"+id+"/metadata", writer, map[string]string{"Content-Type": "application/json"},
					fmt.Sprintf(`{"metadata": {"%s": "v%d"}}`, key, step))
			case 1:
				w = do(t, base, "PUT", "/v2.1/images/"+id+"/metadata/"+key, writer, map[string]string{"Content-Type": "application/json"},
					fmt.Sprintf(`{"meta": {"%s": "w%d"}}`, key, step))
			default:
				w = do(t, base, "DELETE", "/v2.1/images/"+id+"/metadata/"+key, writer, nil, "")
			}
			require.Contains(t, []int{200, 204, 404}, w.Status, string(w.Body))
			writes++
			continue
		}
		path := reads[rng.Intn(len(reads))](id)
		got := do(t, base, "GET", path, user, nil, "")
		want := do(t, world.gw.URL, "GET", path, user, nil, "")
		require.Equal(t, want.Status, got.Status, "step %d %s %s", step, user, path)
		require.Equal(t, strings.ReplaceAll(string(want.Body), world.gw.URL, "{gw}"),
			strings.ReplaceAll(string(got.Body), base, "{gw}"), "step %d %s %s", step, user, path)
		compared++
	}
	t.Logf("%d reads compared, %d writes", compared, writes)
	return compared, writes
}
