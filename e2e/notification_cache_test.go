//go:build e2e

package e2e

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Issue 16: randomly interleaved changes made in Glance directly
// (properties, visibility, membership) and reads through a gateway whose
// cache lives 10 minutes but follows Glance's notifications: once a
// change's notification is consumed, every read by the owner, the member,
// a stranger and an admin matches an uncached gateway.

// notificationsApplied is how many of Glance's notifications the gateway
// has applied (imagegw_notifications_total, less malformed and ignored).
func notificationsApplied(t *testing.T, gwy *faultGateway) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(string(do(t, gwy.ops.URL, "GET", "/metrics", "", nil, "").Body), "\n") {
		if !strings.HasPrefix(line, "imagegw_notifications_total{") || strings.Contains(line, `"malformed"`) ||
			strings.Contains(line, `"ignored"`) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		require.NoError(t, err, line)
		n += int(v)
	}
	return n
}

// glanceChange makes one random change to image id in Glance directly and
// tells whether Glance took it (and so notified it).
func glanceChange(t *testing.T, rng *rand.Rand, id string, step int) bool {
	t.Helper()
	patch := map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"}
	jsonType := map[string]string{"Content-Type": "application/json"}
	alt := world.seed.Projects["alt"]
	var r resp
	switch rng.Intn(5) {
	case 0, 1:
		r = do(t, world.glance, "PATCH", "/v2/images/"+id, "demo", patch,
			fmt.Sprintf(`[{"op": "add", "path": "/k%d", "value": "v%d"}]`, rng.Intn(3), step))
	case 2:
		vis := []string{"shared", "private"}[rng.Intn(2)]
		r = do(t, world.glance, "PATCH", "/v2/images/"+id, "demo", patch, `[{"op": "replace", "path": "/visibility", "value": "`+vis+`"}]`)
	case 3:
		r = do(t, world.glance, "POST", "/v2/images/"+id+"/members", "demo", jsonType, `{"member": "`+alt+`"}`)
		if r.Status == 200 {
			r = do(t, world.glance, "PUT", "/v2/images/"+id+"/members/"+alt, "alt", jsonType, `{"status": "accepted"}`)
			return true // two notifications: counted by the caller as at least one more
		}
	default:
		r = do(t, world.glance, "DELETE", "/v2/images/"+id+"/members/"+alt, "demo", nil, "")
	}
	return r.Status < 300
}

func TestGlanceChangesNeverServedStale(t *testing.T) {
	gwy := notifiedGateway(t)
	images := []string{
		createImage(t, "demo", map[string]any{"name": "e2e-notified-a", "visibility": "shared"}),
		createImage(t, "demo", map[string]any{"name": "e2e-notified-b", "visibility": "private"}),
	}
	users := []string{"demo", "alt", "other", "admin"}
	reads := []func(id string) string{
		func(string) string { return "/v2.1/images/detail?name=in:e2e-notified-a,e2e-notified-b" },
		func(id string) string { return "/v2.1/images/" + id },
		func(id string) string { return "/v2.1/images/" + id + "/metadata" },
	}
	rng := rand.New(rand.NewSource(20261201))
	compared, changes := 0, 0
	for step := 0; step < 240; step++ {
		id := images[rng.Intn(len(images))]
		if rng.Intn(4) == 0 {
			before := notificationsApplied(t, gwy)
			if glanceChange(t, rng, id, step) {
				changes++
				require.Eventually(t, func() bool { return notificationsApplied(t, gwy) > before }, 5*time.Second,
					5*time.Millisecond, "step %d: the change's notification applied", step)
			}
			continue
		}
		user, path := users[rng.Intn(len(users))], reads[rng.Intn(len(reads))](id)
		got, want := do(t, gwy.URL, "GET", path, user, nil, ""), do(t, world.gw.URL, "GET", path, user, nil, "")
		require.Equal(t, want.Status, got.Status, "step %d %s %s", step, user, path)
		require.JSONEq(t, string(want.Body), strings.ReplaceAll(string(got.Body), publicBase, strings.TrimPrefix(world.gw.URL, "")),
			"step %d %s %s", step, user, path)
		compared++
	}
	t.Logf("%d reads compared with an uncached gateway, %d changes made in Glance", compared, changes)
	require.Greater(t, compared, 120)
	require.Greater(t, changes, 20)
}
