package proxy

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

func notification(t *testing.T, event, id string) []byte {
	t.Helper()
	inner, err := json.Marshal(map[string]any{"event_type": event, "payload": map[string]any{"id": id},
		"timestamp": time.Now().UTC().Format("2006-01-02 15:04:05.999999")})
	require.NoError(t, err)
	b, err := json.Marshal(map[string]string{"oslo.version": "2.0", "oslo.message": string(inner)})
	require.NoError(t, err)
	return b
}

// A notified change makes the cached answers it affects stale; a gap in
// the subscription drops everything, and while it lasts entries live at
// most cache_ttl_unsubscribed.
func TestNotificationsKeepTheCacheInStep(t *testing.T) {
	s, fg := newTestServer(t, func(c *config.Config) {
		c.NotificationsURL = "amqp://bus.test/"
		c.CacheTTLImage = time.Hour
	})
	require.Equal(t, 2*time.Second, s.ttl(kindImage), "not subscribed yet: short lifetime")
	s.OnSubscription(true, nil)
	require.Equal(t, time.Hour, s.ttl(kindImage))

	missed := func(path, token string) bool {
		n := fg.Calls.Load()
		require.Equal(t, 200, get(s, "GET", path, token, "").Code, path)
		return fg.Calls.Load() > n
	}
	require.True(t, missed("/v2.1/images/a1", "ta"))
	require.True(t, missed("/v2.1/images/b1", "tb"))
	require.True(t, missed("/v2.1/images/detail", "tb"))
	require.False(t, missed("/v2.1/images/a1", "ta"), "cached")

	s.OnNotification(notification(t, "image.update", "a1"), time.Now())
	require.True(t, missed("/v2.1/images/a1", "ta"), "a1 changed in Glance")
	require.False(t, missed("/v2.1/images/b1", "tb"), "b1 did not")
	require.True(t, missed("/v2.1/images/detail", "tb"), "a change can move a1 into pb's list")

	s.OnNotification([]byte("not JSON"), time.Now())
	s.OnNotification(notification(t, "image.send", "b1"), time.Now())
	require.False(t, missed("/v2.1/images/b1", "tb"), "malformed and ignored events change nothing")

	s.OnSubscription(false, nil)
	require.Equal(t, 2*time.Second, s.ttl(kindImage), "down: short lifetime")
	require.True(t, missed("/v2.1/images/b1", "tb"), "what was cached before the gap is not trusted in it")
	require.False(t, missed("/v2.1/images/b1", "tb"), "cached again, for 2 s")
	s.OnSubscription(true, nil)
	require.True(t, missed("/v2.1/images/b1", "tb"), "nor after it")
	body := get(s.OperatorHandler(), "GET", "/metrics", "", "").Body.String()
	require.Contains(t, body, `imagegw_notifications_total{event="image.update"} 1`)
	require.Contains(t, body, `imagegw_notifications_total{event="malformed"} 1`)
	require.Contains(t, body, `imagegw_notifications_total{event="ignored"} 1`)
	require.Contains(t, body, "imagegw_notifications_subscribed 1")
}
