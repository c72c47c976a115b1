//go:build e2e

package e2e

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Issue 16, bus faults: the broker deletes imagegw's queue under it (an
// operator's `rabbitmqctl delete_queue`, a policy, a failover), which
// cancels imagegw's consumer without closing its connection.

// rabbitmqctl runs the cloud broker's own rabbitmqctl, as up.sh starts
// the node (its name and home are derived from the bus port).
func rabbitmqctl(t *testing.T, args ...string) string {
	t.Helper()
	u, err := url.Parse(world.env["BUS_URL"])
	require.NoError(t, err)
	node := "imagegw-" + u.Port() + "@localhost"
	cmd := exec.Command("/usr/lib/rabbitmq/bin/rabbitmqctl", append([]string{"-q", "-n", node}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+filepath.Join(world.dir, "rabbitmq", "home"), "ERL_EPMD_ADDRESS=127.0.0.1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}

// consumedQueues lists the broker's exclusive queues that have a consumer
// (imagegw's; Glance's notifications.info is neither).
func consumedQueues(t *testing.T) map[string]bool {
	queues := map[string]bool{}
	for _, line := range strings.Split(rabbitmqctl(t, "list_queues", "--no-table-headers", "name", "exclusive", "consumers"), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[1] == "true" && f[2] != "0" {
			queues[f[0]] = true
		}
	}
	return queues
}

// cacheMisses reads imagegw_cache_requests_total{result="miss"}.
func cacheMisses(gwy *faultGateway) int {
	return int(metricSum(gwy.ops.URL, "imagegw_cache_requests_total", `result="miss"`))
}

func TestQueueDeletedUnderTheGateway(t *testing.T) {
	others := consumedQueues(t) // another imagegw on this cloud (make run) keeps its own
	gwy := notifiedGateway(t)
	var ours string
	for q := range consumedQueues(t) {
		if !others[q] {
			ours = q
		}
	}
	require.NotEmpty(t, ours, "the gateway's queue")
	id := createImage(t, "demo", map[string]any{})
	md := "/v2.1/images/" + id + "/metadata"
	require.Equal(t, 200, do(t, gwy.URL, "GET", md, "demo", nil, "").Status)
	misses := cacheMisses(gwy)
	require.Equal(t, 200, do(t, gwy.URL, "GET", md, "demo", nil, "").Status)
	require.Equal(t, misses, cacheMisses(gwy), "cached for 10 minutes")

	start := time.Now()
	rabbitmqctl(t, "delete_queue", ours)
	require.Eventually(t, func() bool {
		now := consumedQueues(t)
		for q := range now {
			if !others[q] && q != ours {
				return true
			}
		}
		return false
	}, 15*time.Second, 100*time.Millisecond, "a new queue, consumed")
	require.True(t, subscriptionIs(t, gwy, "subscribed")())
	t.Logf("consuming a new queue %s after its queue was deleted", time.Since(start).Round(10*time.Millisecond))
	// Events published between the cancel and the new binding are lost,
	// so nothing cached before the gap is served after it.
	require.Equal(t, 200, do(t, gwy.URL, "GET", md, "demo", nil, "").Status)
	require.Equal(t, misses+1, cacheMisses(gwy), "the entry from before the gap is not trusted")
	patch := map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"}
	require.Equal(t, 200, do(t, world.glance, "PATCH", "/v2/images/"+id, "demo", patch, `[{"op": "add", "path": "/k", "value": "v"}]`).Status)
	took := until(t, gwy.URL, md, "demo", func(r resp) bool { return strings.Contains(string(r.Body), `"k":"v"`) })
	t.Logf("a change on the new queue seen in %s", took.Round(time.Millisecond))
}
