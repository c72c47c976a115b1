//go:build e2e

package e2e

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Issue 16: randomly interleaved changes made in Glance directly
// (properties, visibility, membership, delete and re-create) and reads
// through a gateway whose cache lives 10 minutes but follows Glance's
// notifications: once a change's notification is consumed, every read by
// the owner, the member, a stranger and an admin, of live and deleted
// images, matches an uncached gateway.

// notificationsApplied is how many of Glance's notifications the gateway
// has applied (imagegw_notifications_total, less malformed and ignored).
func notificationsApplied(gwy *faultGateway) int {
	const m = "imagegw_notifications_total"
	body := scrape(gwy.ops.URL) // one instant: a notification between reads would skew the difference
	return int(sumIn(body, m) - sumIn(body, m, `"malformed"`) - sumIn(body, m, `"ignored"`))
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

// awaitApplied waits until the gateway has applied a notification more
// than before.
func awaitApplied(t *testing.T, gwy *faultGateway, before int, what string) {
	t.Helper()
	require.Eventually(t, func() bool { return notificationsApplied(gwy) > before }, 5*time.Second,
		5*time.Millisecond, "%s: the change's notification applied", what)
}

// remove deletes image id in Glance: other projects' lists may hold it
// (alt's, once a member).
func remove(t *testing.T, gwy *faultGateway, id string) {
	t.Helper()
	before := notificationsApplied(gwy)
	require.Equal(t, 204, do(t, world.glance, "DELETE", "/v2/images/"+id, "demo", nil, "").Status)
	awaitApplied(t, gwy, before, "delete "+id)
}

// create makes a demo image called name in Glance, shared or private.
func create(t *testing.T, rng *rand.Rand, gwy *faultGateway, name string) string {
	t.Helper()
	before := notificationsApplied(gwy)
	id := createImage(t, "demo", map[string]any{"name": name, "visibility": []string{"shared", "private"}[rng.Intn(2)]})
	awaitApplied(t, gwy, before, "create "+name)
	return id
}

func TestGlanceChangesNeverServedStale(t *testing.T) {
	gwy := notifiedGateway(t)
	names := []string{"e2e-notified-a", "e2e-notified-b"}
	live := []string{
		createImage(t, "demo", map[string]any{"name": names[0], "visibility": "shared"}),
		createImage(t, "demo", map[string]any{"name": names[1], "visibility": "private"}),
	}
	var dead []string
	users := []string{"demo", "alt", "other", "admin"}
	reads := []func(id string) string{
		func(string) string { return "/v2.1/images/detail?name=in:e2e-notified-a,e2e-notified-b" },
		func(id string) string { return "/v2.1/images/" + id },
		func(id string) string { return "/v2.1/images/" + id + "/metadata" },
	}
	rng := rand.New(rand.NewSource(20261201))
	compared, changes, deletes := 0, 0, 0
	check := func(step int, user, path string) {
		got, want := do(t, gwy.URL, "GET", path, user, nil, ""), do(t, world.gw.URL, "GET", path, user, nil, "")
		require.Equal(t, want.Status, got.Status, "step %d %s %s", step, user, path)
		require.JSONEq(t, string(want.Body), strings.ReplaceAll(string(got.Body), publicBase, strings.TrimPrefix(world.gw.URL, "")),
			"step %d %s %s", step, user, path)
		compared++
	}
	for step := 0; step < 300; step++ {
		slot, roll := rng.Intn(len(live)), rng.Intn(16)
		id := live[slot]
		switch {
		case id == "" && roll < 4: // a deleted slot comes back as another image
			live[slot] = create(t, rng, gwy, names[slot])
			continue
		case id == "":
			id = dead[rng.Intn(len(dead))]
		case roll == 0: // each reader's list cached just before the delete, then read again
			for _, user := range users {
				check(step, user, reads[0](id))
			}
			remove(t, gwy, id)
			for _, user := range users {
				check(step, user, reads[0](id))
			}
			dead, live[slot] = append(dead, id), ""
			deletes++
			continue
		case roll < 4:
			before := notificationsApplied(gwy)
			if glanceChange(t, rng, id, step) {
				changes++
				awaitApplied(t, gwy, before, fmt.Sprintf("step %d", step))
			}
			continue
		case roll < 6 && len(dead) > 0:
			id = dead[rng.Intn(len(dead))]
		}
		check(step, users[rng.Intn(len(users))], reads[rng.Intn(len(reads))](id))
	}
	t.Logf("%d reads compared with an uncached gateway, %d changes and %d deletes made in Glance", compared, changes, deletes)
	require.Greater(t, compared, 150)
	require.Greater(t, changes, 20)
	require.Greater(t, deletes, 8)
}
