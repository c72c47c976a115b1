//go:build e2e

package e2e

import (
	"context"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/rueidis"
	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// Issue 17 through the highly available Redis topologies a redis_url may
// name: a Sentinel group and a Cluster, both from Debian's redis-server,
// started once per run by scripts/redis-ha.sh; TestMain stops them.

var redisHAService = &scriptService{script: "../scripts/redis-ha.sh", timeout: time.Minute}

// redisHA (re)starts what of the topologies is not running and returns
// their URLs (REDIS_SENTINEL_URL, REDIS_CLUSTER_URL).
func redisHA(t *testing.T) map[string]string {
	t.Helper()
	return redisHAService.start(t, "REDIS_SENTINEL_URL", "REDIS_CLUSTER_URL")
}

// redisDo runs one command on the Redis of url, as imagegw's client
// reaches it (through the sentinels, or the cluster's slot map).
func redisDo(t *testing.T, url string, cmd func(rueidis.Builder) rueidis.Completed) rueidis.RedisResult {
	t.Helper()
	opt, err := rueidis.ParseURL(url)
	require.NoError(t, err)
	opt.DisableCache = true
	c, err := rueidis.NewClient(opt)
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Do(ctx, cmd(c.B()))
}

// The guarantees of replicas_test.go hold through a Sentinel group and a
// Cluster: reads after a write through another replica are fresh, 48
// concurrent writers of distinct keys lose none, one Keystone validation
// per token; and the writes went through that topology (its stream).
func TestReplicasThroughSentinelAndCluster(t *testing.T) {
	urls := redisHA(t)
	for _, name := range []string{"REDIS_SENTINEL_URL", "REDIS_CLUSTER_URL"} {
		t.Run(name, func(t *testing.T) {
			url := urls[name]
			px := newFaultProxy(t, world.keystone)
			rs := replicas(t, 3, true, func(c *config.Config) { c.RedisURL, c.KeystoneURL = url, px.URL })
			streamLen := func() int64 { // the stream outlives runs while the topology is up
				n, err := redisDo(t, url, func(b rueidis.Builder) rueidis.Completed {
					return b.Xlen().Key("imagegw:{coord}:writes").Build()
				}).AsInt64()
				require.NoError(t, err)
				return n
			}
			before := streamLen()
			require.Zero(t, readTheirWrites(t, rs, 10), "stale reads after a write through another replica")
			require.Equal(t, 48, metadataWriters(t, rs, 48), "keys kept")
			require.GreaterOrEqual(t, streamLen()-before, int64(10+48), "this test's writes in this topology's stream")

			require.EqualValues(t, 1, validationsOfOneToken(t, rs, px), "Keystone validations of one token by 3 replicas")
		})
	}
}

// The Sentinel group's master SIGKILLed under readers on two coordinated
// replicas: Sentinel promotes the replica, no read fails or differs from
// an uncached imagegw meanwhile, a write during the promotion goes on
// (best-effort), and the replicas are in step on the new master without
// a restart, where a write through one is fresh through the other.
func TestReplicasFollowASentinelFailover(t *testing.T) {
	url := redisHA(t)["REDIS_SENTINEL_URL"]
	rs := replicas(t, 2, true, func(c *config.Config) { c.RedisURL = url })
	u, err := neturl.Parse(url)
	require.NoError(t, err)
	master := func() string { // as the first sentinel names it
		out, err := exec.Command("redis-cli", "-h", u.Hostname(), "-p", u.Port(), "sentinel", "get-master-addr-by-name", "imagegw").Output()
		require.NoError(t, err)
		return strings.Join(strings.Fields(string(out)), ":")
	}
	before := master()
	port := before[strings.LastIndex(before, ":")+1:]
	b, err := os.ReadFile(filepath.Join(world.dir, "redis-ha", "run", port+".pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)

	other := createImage(t, "demo", map[string]any{"o": "1"})
	id := createImage(t, "demo", nil)
	md := "/v2.1/images/" + id + "/metadata"
	stop := readers(t, rs, other)
	lost := make([]float64, len(rs))
	for i, r := range rs {
		lost[i] = metricSum(r.ops.URL, "imagegw_coordination_sessions_lost_total")
	}
	start := time.Now()
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	// each replica lost its session: counted, not waited for on /readyz,
	// whose probe of Keystone and Glance under the readers' load took
	// longer than the promotion once, so it never showed "down"
	for i, r := range rs {
		require.Eventually(t, func() bool {
			return metricSum(r.ops.URL, "imagegw_coordination_sessions_lost_total") > lost[i]
		}, 30*time.Second, 20*time.Millisecond, "replica %d lost its Redis session", i)
	}
	r := do(t, rs[0].URL, "POST", md, "demo", jsonHdr, `{"metadata": {"k": "promoting"}}`)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Contains(t, string(do(t, rs[1].URL, "GET", md, "demo", nil, "").Body), `"k":"promoting"`)
	inStep(t, "in-step", rs...)
	t.Logf("in step again %s after the master was killed (%s -> %s)", time.Since(start).Round(time.Millisecond), before, master())
	require.NotEqual(t, before, master(), "Sentinel promoted the replica")
	reads, diffs, errs := stop()
	t.Logf("Sentinel failover: %d reads, %d differed, %d failed", reads, diffs, errs)
	require.Zero(t, diffs+errs)
	require.Greater(t, reads, 50)
	require.Zero(t, readTheirWrites(t, rs, 6), "stale reads on the new master")
}
