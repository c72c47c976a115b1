//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// Groundwork of issue 16: the cloud's Glance publishes the oslo.messaging
// notifications a cache invalidation can consume, on the cloud's own
// RabbitMQ (scripts/cloud: exchange "glance", routing key
// "notifications.info"), for every change made in Glance directly:
// create, property update, member added and removed, delete.

// osloNotification is a Glance notification inside its oslo.messaging
// 2.0 envelope.
type osloNotification struct {
	EventType string         `json:"event_type"`
	Timestamp string         `json:"timestamp"`
	Payload   map[string]any `json:"payload"`
}

func decodeOslo(t *testing.T, body []byte) osloNotification {
	t.Helper()
	var env struct {
		Version string `json:"oslo.version"`
		Message string `json:"oslo.message"`
	}
	require.NoError(t, json.Unmarshal(body, &env), string(body))
	require.Equal(t, "2.0", env.Version)
	var n osloNotification
	require.NoError(t, json.Unmarshal([]byte(env.Message), &n), env.Message)
	return n
}

// glanceNotifications subscribes a private queue to Glance's notifications.
func glanceNotifications(t *testing.T) <-chan amqp.Delivery {
	t.Helper()
	conn, err := amqp.Dial(world.env["BUS_URL"])
	require.NoError(t, err, "the cloud's RabbitMQ (BUS_URL in cloud.env)")
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	require.NoError(t, err)
	// as oslo.messaging declares it for Glance: topic, not durable, kept
	require.NoError(t, ch.ExchangeDeclare("glance", "topic", false, false, false, false, nil))
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	require.NoError(t, err)
	require.NoError(t, ch.QueueBind(q.Name, "notifications.#", "glance", false, nil))
	msgs, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	require.NoError(t, err)
	return msgs
}

// eventsFor collects the event types about image id until want are all
// seen (10 s at most), and the largest publish-to-receive lag.
func eventsFor(t *testing.T, msgs <-chan amqp.Delivery, id string, want []string) (got []string, lag time.Duration) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	seen := map[string]bool{}
	for len(seen) < len(want) {
		select {
		case m := <-msgs:
			n := decodeOslo(t, m.Body)
			if n.Payload["id"] != id && n.Payload["image_id"] != id {
				continue
			}
			if at, err := time.Parse("2006-01-02 15:04:05.999999", n.Timestamp); err == nil {
				lag = max(lag, time.Since(at))
			}
			got = append(got, n.EventType)
			for _, w := range want {
				if w == n.EventType {
					seen[w] = true
				}
			}
		case <-deadline:
			t.Fatalf("events for %s: got %v, want %v", id, got, want)
		}
	}
	return got, lag
}

func TestGlancePublishesImageNotifications(t *testing.T) {
	msgs := glanceNotifications(t)
	id := createImage(t, "demo", map[string]any{"visibility": "shared"})
	patch := map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"}
	r := do(t, world.glance, "PATCH", "/v2/images/"+id, "demo", patch, `[{"op": "add", "path": "/k", "value": "v"}]`)
	require.Equal(t, 200, r.Status, string(r.Body))
	alt := world.seed.Projects["alt"]
	r = do(t, world.glance, "POST", "/v2/images/"+id+"/members", "demo", map[string]string{"Content-Type": "application/json"},
		`{"member": "`+alt+`"}`)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, 204, do(t, world.glance, "DELETE", "/v2/images/"+id+"/members/"+alt, "demo", nil, "").Status)
	require.Equal(t, 204, do(t, world.glance, "DELETE", "/v2/images/"+id, "demo", nil, "").Status)
	got, lag := eventsFor(t, msgs, id, []string{"image.create", "image.update", "image.member.create", "image.member.delete", "image.delete"})
	t.Logf("events for %s: %v; largest publish-to-receive lag %s", id, got, lag)
}

// notifiedGateway is a gateway with the longest cache lifetimes that keeps
// its cache in step with Glance's notifications; it returns once it is
// subscribed.
func notifiedGateway(t *testing.T) *faultGateway {
	t.Helper()
	return notifiedGatewayOn(t, world.env["BUS_URL"])
}

// notifiedGatewayOn is notifiedGateway subscribed through busURL.
func notifiedGatewayOn(t *testing.T, busURL string) *faultGateway {
	t.Helper()
	gwy := startFaultGateway(t, func(c *config.Config) {
		c.CacheTTLList, c.CacheTTLImage, c.CacheTTLMetadata = 10*time.Minute, 10*time.Minute, 10*time.Minute
		c.NotificationsURL = busURL
	})
	require.Eventually(t, func() bool {
		r := do(t, gwy.ops.URL, "GET", "/readyz", "", nil, "")
		return r.Status == 200 && r.JSON(t)["notifications"] == "subscribed"
	}, 30*time.Second, 50*time.Millisecond, "subscribed to Glance's notifications")
	return gwy
}

// until polls a read through the gateway until check accepts it (5 s at
// most) and returns how long that took.
func until(t *testing.T, base, path, user string, check func(resp) bool) time.Duration {
	t.Helper()
	start := time.Now()
	require.Eventually(t, func() bool { return check(do(t, base, "GET", path, user, nil, "")) },
		5*time.Second, 10*time.Millisecond, "%s as %s", path, user)
	return time.Since(start)
}

// Issue 16's three rows, changes made in Glance directly with imagegw's
// cache at 10 minutes: each is visible through imagegw once Glance's
// notification arrives.
func TestChangesInGlanceAreSeenThroughTheCache(t *testing.T) {
	gwy := notifiedGateway(t)
	id := createImage(t, "demo", map[string]any{"visibility": "shared"})
	show, md := "/v2.1/images/"+id, "/v2.1/images/"+id+"/metadata"
	patch := map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"}

	require.Equal(t, 200, do(t, gwy.URL, "GET", md, "demo", nil, "").Status) // cached
	require.Equal(t, 200, do(t, world.glance, "PATCH", "/v2/images/"+id, "demo", patch, `[{"op": "add", "path": "/k", "value": "v2"}]`).Status)
	lagProperty := until(t, gwy.URL, md, "demo", func(r resp) bool { return strings.Contains(string(r.Body), `"k":"v2"`) })

	alt := world.seed.Projects["alt"]
	r := do(t, world.glance, "POST", "/v2/images/"+id+"/members", "demo", map[string]string{"Content-Type": "application/json"}, `{"member": "`+alt+`"}`)
	require.Equal(t, 200, r.Status, string(r.Body))
	until(t, gwy.URL, show, "alt", func(r resp) bool { return r.Status == 200 }) // now cached for alt
	require.Equal(t, 204, do(t, world.glance, "DELETE", "/v2/images/"+id+"/members/"+alt, "demo", nil, "").Status)
	lagUnshare := until(t, gwy.URL, show, "alt", func(r resp) bool { return r.Status == 404 })

	require.Equal(t, 200, do(t, gwy.URL, "GET", show, "demo", nil, "").Status) // cached
	require.Equal(t, 204, do(t, world.glance, "DELETE", "/v2/images/"+id, "demo", nil, "").Status)
	lagDelete := until(t, gwy.URL, show, "demo", func(r resp) bool { return r.Status == 404 })
	until(t, gwy.URL, md, "demo", func(r resp) bool { return r.Status == 404 })
	t.Logf("seen through the cache after: property %s, un-share %s, delete %s", lagProperty, lagUnshare, lagDelete)
}
