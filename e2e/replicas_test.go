//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// Issue 17: replicas of imagegw in front of one Keystone + Glance agree
// through the cloud's Redis (REDIS_URL in cloud.env).

// replicas starts n gateways with the longest cache lifetimes, each
// coordinated through Redis when redis is set, and waits until they are
// in step.
func replicas(t *testing.T, n int, redis bool, mutate func(*config.Config)) []*faultGateway {
	t.Helper()
	out := make([]*faultGateway, n)
	for i := range out {
		out[i] = startFaultGateway(t, func(c *config.Config) {
			c.CacheTTLList, c.CacheTTLImage, c.CacheTTLMetadata = 10*time.Minute, 10*time.Minute, 10*time.Minute
			if redis {
				c.RedisURL = world.env["REDIS_URL"]
			}
			if mutate != nil {
				mutate(c)
			}
		})
	}
	if redis {
		inStep(t, "in-step", out...)
	}
	return out
}

// inStep waits until every gateway's /readyz says Redis is want.
func inStep(t *testing.T, want string, gws ...*faultGateway) {
	t.Helper()
	ops := make([]string, len(gws))
	for i, g := range gws {
		ops[i] = g.ops.URL
	}
	readyzSays(t, "redis", want, ops...)
}

// readyzSays waits until /readyz on each operator URL gives key the
// value want (redis: off, in-step, down; nova: off, up, down;
// notifications: …).
func readyzSays(t *testing.T, key, want string, ops ...string) {
	t.Helper()
	for _, u := range ops {
		var code int
		var body string
		ok := assert.Eventually(t, func() bool {
			code, body = rawGet(u+"/readyz", "")
			return code == 200 && strings.Contains(body, `"`+key+`":"`+want+`"`)
		}, 30*time.Second, 20*time.Millisecond)
		require.True(t, ok, "%s: %s %s; its /readyz last said %d %s", u, key, want, code, body)
	}
}

var jsonHdr = map[string]string{"Content-Type": "application/json"}

// A write through one replica is seen through every other one at once:
// each replica has the old answer cached (10 min) when the write is made.
func TestReplicasReadTheirWrites(t *testing.T) {
	rs := replicas(t, 3, true, nil)
	require.Zero(t, readTheirWrites(t, rs, 30), "stale reads after a write through another replica")
	id := createImage(t, "demo", nil)
	show := "/v2.1/images/" + id
	for _, r := range rs {
		require.Equal(t, 200, do(t, r.URL, "GET", show, "demo", nil, "").Status)
	}
	require.Equal(t, 204, do(t, rs[1].URL, "DELETE", show, "demo", nil, "").Status)
	for i, r := range rs {
		require.Equal(t, 404, do(t, r.URL, "GET", show, "demo", nil, "").Status, "replica %d after the delete", i)
	}
}

// readTheirWrites makes n metadata writes to a new image, each through
// the next replica while every replica has the old answer cached, and
// counts the reads through any replica right after that did not show it.
func readTheirWrites(t *testing.T, rs []*faultGateway, n int) (stale int) {
	t.Helper()
	id := createImage(t, "demo", nil)
	path := "/v2.1/images/" + id + "/metadata"
	for i := range n {
		for _, r := range rs { // every replica caches the current answer
			require.Equal(t, 200, do(t, r.URL, "GET", path, "demo", nil, "").Status)
		}
		w := rs[i%len(rs)]
		r := do(t, w.URL, "POST", path, "demo", jsonHdr, fmt.Sprintf(`{"metadata": {"k": "v%d"}}`, i))
		require.Equal(t, 200, r.Status, string(r.Body))
		for _, o := range rs {
			if !strings.Contains(string(do(t, o.URL, "GET", path, "demo", nil, "").Body), fmt.Sprintf(`"k":"v%d"`, i)) {
				stale++
			}
		}
	}
	return stale
}

// metadataWriters sends n concurrent metadata writes of distinct keys to
// one image, spread over the gateways, and returns how many keys Glance
// kept.
func metadataWriters(t *testing.T, gws []*faultGateway, n int) int {
	id := createImage(t, "demo", nil)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := gws[i%len(gws)]
			r := do(t, g.URL, "PUT", fmt.Sprintf("/v2.1/images/%s/metadata/key%02d", id, i), "demo", jsonHdr,
				fmt.Sprintf(`{"meta": {"key%02d": "v%d"}}`, i, i))
			if r.Status != 200 {
				t.Errorf("writer %d: %d %s", i, r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	kept := 0
	for k := range metadataOf(t, "demo", id) {
		if strings.HasPrefix(k, "key") {
			kept++
		}
	}
	return kept
}

// 48 writers of distinct keys over 3 replicas: the fleet-wide lease makes
// Glance's read-modify-write lose none. The control, each replica's own
// lock only (no Redis), loses keys when writes to two replicas overlap in
// Glance: 33, 36, 48, 38 and 34 of 48 kept in five runs. A race may not
// happen in one run, so the control runs up to four times and must lose
// keys in one (all four keeping 48 at that rate: under 1 in 500).
func TestReplicasLoseNoMetadataKeys(t *testing.T) {
	const n = 48
	require.Equal(t, n, metadataWriters(t, replicas(t, 3, true, nil), n), "keys kept, coordinated through Redis")
	alone := replicas(t, 3, false, nil)
	kept := n
	for run := 1; run <= 4 && kept == n; run++ {
		kept = metadataWriters(t, alone, n)
		t.Logf("run %d: keys kept without Redis (each replica's own lock): %d of %d", run, kept, n)
	}
	require.Less(t, kept, n, "the control never lost a key: the test cannot tell Redis' lease at work")
}

// One Keystone validation per token across the replicas.
func TestReplicasShareTokenValidations(t *testing.T) {
	px := newFaultProxy(t, world.keystone)
	rs := replicas(t, 3, true, func(c *config.Config) { c.KeystoneURL = px.URL })
	require.EqualValues(t, 1, validationsOfOneToken(t, rs, px), "Keystone validations of one token by 3 replicas")
}

// validationsOfOneToken uses a new token 3 times through each gateway and
// returns how many validations reached Keystone (through px).
func validationsOfOneToken(t *testing.T, gws []*faultGateway, px *faultProxy) int64 {
	t.Helper()
	tok, err := userToken("demo")
	require.NoError(t, err)
	px.pass() // count from here
	for range 3 {
		for _, g := range gws {
			require.Equal(t, 200, do(t, g.URL, "GET", "/v2.1/images", tok, nil, "").Status)
		}
	}
	return px.requests("GET")
}

// The migration report is the fleet's and outlives a replica: calls seen
// by two replicas are in /migration of either, per day, and a replica
// started afterwards (a restart, a rolling upgrade) shows them too.
func TestReplicasShareTheMigrationReport(t *testing.T) {
	rs := replicas(t, 2, true, nil)
	ua := "e2e-fleet-report/" + randomUUID()[:8]
	for i, mv := range []string{"2.35", "2.35", "2.1", "2.1", "2.1"} {
		r := do(t, rs[i%2].URL, "GET", "/v2.1/images/detail", "demo", map[string]string{"User-Agent": ua, "X-OpenStack-Nova-API-Version": mv}, "")
		require.Equal(t, 200, r.Status)
	}
	type row struct {
		ProjectName   string            `json:"project_name"`
		UserAgent     string            `json:"user_agent"`
		Route         string            `json:"route"`
		Calls         int               `json:"calls"`
		Microversions []string          `json:"microversions"`
		Days          map[string]uint64 `json:"days"`
	}
	find := func(g *faultGateway) row {
		t.Helper()
		r := do(t, g.ops.URL, "GET", "/migration", "admin", nil, "")
		require.Equal(t, 200, r.Status, string(r.Body))
		var rep struct {
			Usage []row  `json:"usage"`
			Scope string `json:"scope"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &rep))
		require.Equal(t, "every replica (kept in Redis)", rep.Scope)
		for _, u := range rep.Usage {
			if u.UserAgent == ua {
				return u
			}
		}
		t.Fatalf("no row for %s", ua)
		return row{}
	}
	today := time.Now().UTC().Format(time.DateOnly)
	want := row{ProjectName: "demo", UserAgent: ua, Route: "images.detail", Calls: 5, Microversions: []string{"2.1", "2.35"}, Days: map[string]uint64{today: 5}}
	for _, g := range rs { // each replica adds its calls every 2 s
		require.Eventually(t, func() bool { return reflect.DeepEqual(want, find(g)) }, 5*time.Second, 100*time.Millisecond)
	}

	later := replicas(t, 1, true, nil)[0]
	require.Equal(t, want, find(later), "a replica started afterwards")
	csv := do(t, later.ops.URL, "GET", "/migration?format=csv", "admin", nil, "")
	require.Contains(t, string(csv.Body), ua+",images.detail,5,")
}
