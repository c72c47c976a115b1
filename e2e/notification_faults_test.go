//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"
)

// Issue 16, bus faults: the cloud's RabbitMQ stopped and started again
// under a subscribed gateway, and a flood of malformed and unknown events.

// brokerPID is the process group leader of the cloud's RabbitMQ (run.sh).
func brokerPID(t *testing.T) int { return servicePID(t, "rabbitmq") }

// servicePID is the PID up.sh recorded for one of the cloud's services
// (a process group leader).
func servicePID(t *testing.T, svc string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(world.dir, "run", svc+".pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return pid
}

// stopBroker stops the cloud's RabbitMQ (its process group, as down.sh
// does) and waits until its port is closed.
func stopBroker(t *testing.T) {
	t.Helper()
	pid := brokerPID(t)
	require.NoError(t, syscall.Kill(-pid, syscall.SIGTERM))
	require.Eventually(t, func() bool { return syscall.Kill(-pid, 0) != nil }, 30*time.Second, 100*time.Millisecond,
		"the broker stopped")
}

// cloudUp starts whatever of the cloud is not running (the broker, Redis,
// nova-api) with the cloud's own script.
func cloudUp(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "../scripts/cloud/up.sh")
	cmd.Env = append(os.Environ(), "IMAGEGW_CLOUD_DIR="+world.dir)
	if world.env["NOVA_URL"] != "" { // the cloud as it was started: with nova-api
		cmd.Env = append(cmd.Env, "IMAGEGW_CLOUD_NOVA=1")
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
}

// liveHeap is the heap left after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func subscriptionIs(t *testing.T, gwy *faultGateway, state string) func() bool {
	return func() bool { // rawGet: no t.Fatal in Eventually's goroutine
		_, body := rawGet(gwy.ops.URL+"/readyz", "")
		return strings.Contains(body, `"notifications":"`+state+`"`)
	}
}

func TestBrokerOutage(t *testing.T) {
	gwy := notifiedGateway(t)
	id := createImage(t, "demo", map[string]any{})
	md := "/v2.1/images/" + id + "/metadata"
	patch := map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"}
	require.Equal(t, 200, do(t, gwy.URL, "GET", md, "demo", nil, "").Status) // cached for 10 minutes

	stopBroker(t)
	t.Cleanup(func() { cloudUp(t) }) // whatever happens below
	require.Eventually(t, subscriptionIs(t, gwy, "down"), 30*time.Second, 100*time.Millisecond)
	// A change Glance cannot notify: imagegw no longer trusts what it had
	// cached, and holds new answers only cache_ttl_unsubscribed (2 s).
	start := time.Now()
	r := do(t, world.glance, "PATCH", "/v2/images/"+id, "demo", patch, `[{"op": "add", "path": "/k", "value": "during"}]`)
	require.Equal(t, 200, r.Status, string(r.Body))
	t.Logf("Glance's PATCH with its bus down took %s", time.Since(start).Round(time.Millisecond))
	require.Contains(t, string(do(t, gwy.URL, "GET", md, "demo", nil, "").Body), `"k":"during"`, "not served across the gap")
	for i := 0; i < 50; i++ { // reads keep working while the bus is down
		require.Equal(t, 200, do(t, gwy.URL, "GET", md, "demo", nil, "").Status)
	}

	cloudUp(t)
	start = time.Now()
	require.Eventually(t, subscriptionIs(t, gwy, "subscribed"), 30*time.Second, 50*time.Millisecond, "resubscribed")
	t.Logf("resubscribed %s after the broker was back", time.Since(start).Round(time.Millisecond))
	require.Equal(t, 200, do(t, gwy.URL, "GET", md, "demo", nil, "").Status) // cached for 10 minutes again
	require.Equal(t, 200, do(t, world.glance, "PATCH", "/v2/images/"+id, "demo", patch, `[{"op": "add", "path": "/k", "value": "after"}]`).Status)
	until(t, gwy.URL, md, "demo", func(r resp) bool { return strings.Contains(string(r.Body), `"k":"after"`) })
}

// A flood of malformed and unknown events on Glance's exchange changes
// nothing and leaves the subscription working.
func TestNotificationFlood(t *testing.T) {
	gwy := notifiedGateway(t)
	id := createImage(t, "demo", map[string]any{})
	md := "/v2.1/images/" + id + "/metadata"
	require.Equal(t, 200, do(t, gwy.URL, "GET", md, "demo", nil, "").Status)

	conn, err := amqp.Dial(world.env["BUS_URL"])
	require.NoError(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	require.NoError(t, err)
	pad := strings.Repeat("x", 1000) // 1 KB events, so that keeping them would show in the heap
	bodies := [][]byte{[]byte("not JSON " + pad), []byte(`{"oslo.version": "2.0", "oslo.message": "{}", "pad": "` + pad + `"}`),
		[]byte(`{"oslo.version": "2.0", "oslo.message": "{\"event_type\": \"compute.instance.create\", \"payload\": {\"pad\": \"` + pad + `\"}}"}`)}
	patch := map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"}
	flood := func(value string) {
		for i := 0; i < 10000; i++ {
			require.NoError(t, ch.PublishWithContext(context.Background(), "glance", "notifications.info", false, false,
				amqp.Publishing{ContentType: "application/json", Body: bodies[i%len(bodies)]}))
		}
		require.Equal(t, 200, do(t, world.glance, "PATCH", "/v2/images/"+id, "demo", patch, `[{"op": "add", "path": "/k", "value": "`+value+`"}]`).Status)
		took := until(t, gwy.URL, md, "demo", func(r resp) bool { return strings.Contains(string(r.Body), `"k":"`+value+`"`) })
		t.Logf("a real change after 10000 junk events seen in %s", took.Round(time.Millisecond))
	}
	flood("v1") // the first also pays for what the process sets up once
	// The events are counted, not kept: a second flood leaves the live heap
	// (gateway and test share the process; ±0.3 MiB between runs) grown by
	// far less than keeping its 10000 bodies would (about 10 MiB).
	heapBefore := liveHeap()
	flood("v2")
	grew := int64(liveHeap()) - int64(heapBefore)
	t.Logf("live heap after the second flood: %+d KiB", grew/1024)
	require.Less(t, grew, int64(2<<20))
	require.True(t, subscriptionIs(t, gwy, "subscribed")())
	metrics := string(do(t, gwy.ops.URL, "GET", "/metrics", "", nil, "").Body)
	require.Contains(t, metrics, `imagegw_notifications_total{event="malformed"}`)
	require.Contains(t, metrics, `imagegw_notifications_total{event="ignored"}`)
}

// A broker that stops answering without closing anything (SIGSTOP) is
// noticed through the AMQP heartbeat, and the subscription comes back
// when it answers again.
func TestBrokerFrozen(t *testing.T) {
	gwy := notifiedGateway(t)
	pid := brokerPID(t)
	require.NoError(t, syscall.Kill(-pid, syscall.SIGSTOP))
	t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGCONT) })
	start := time.Now()
	require.Eventually(t, subscriptionIs(t, gwy, "down"), 15*time.Second, 100*time.Millisecond, "frozen broker noticed")
	t.Logf("frozen broker noticed after %s", time.Since(start).Round(100*time.Millisecond))
	require.NoError(t, syscall.Kill(-pid, syscall.SIGCONT))
	start = time.Now()
	require.Eventually(t, subscriptionIs(t, gwy, "subscribed"), 30*time.Second, 100*time.Millisecond, "resubscribed")
	t.Logf("resubscribed %s after the broker answered again", time.Since(start).Round(100*time.Millisecond))
}
