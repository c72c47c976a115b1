package proxy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/translate"
)

func notification(t *testing.T, event, id string) []byte {
	t.Helper()
	payload := map[string]any{"id": id}
	if strings.HasPrefix(event, "image.member.") {
		payload = map[string]any{"image_id": id, "member_id": "pb"}
	}
	inner, err := json.Marshal(map[string]any{"event_type": event, "payload": payload,
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

// fakeBarrier stands for the subscriber's barrier: it counts its calls
// and runs then, when set (the notifications the bus hands over).
type fakeBarrier struct {
	calls int
	then  func() error
}

func (f *fakeBarrier) wait(context.Context) error {
	f.calls++
	if f.then != nil {
		return f.then()
	}
	return nil
}

// sharedWorld is a subscribed server whose image s1 of pa is shared with
// pb; read reports a read's status and whether it called Glance, revoke
// removes pb from s1's members in Glance.
func sharedWorld(t *testing.T) (s *Server, fb *fakeBarrier, read func(path, token string) (int, bool), revoke func()) {
	s, fg := newTestServer(t, func(c *config.Config) {
		c.NotificationsURL = "amqp://bus.test/"
		c.CacheTTLImage, c.CacheTTLList = time.Hour, time.Hour
	})
	s.OnSubscription(true, nil)
	fg.Images["s1"] = translate.GlanceImage{"id": "s1", "name": "shared", "owner": "pa", "status": "active", "visibility": "shared"}
	fg.Members = map[string]map[string]bool{"s1": {"pb": true}}
	fb = &fakeBarrier{}
	s.subs.barrier = fb.wait
	read = func(path, token string) (code int, missed bool) {
		n := fg.Calls.Load()
		code = get(s, "GET", path, token, "").Code
		return code, fg.Calls.Load() > n
	}
	revoke = func() { fg.Lock(); delete(fg.Members["s1"], "pb"); fg.Unlock() }
	return s, fb, read, revoke
}

// A hit that lends a project another project's image waits for the bus
// first: a member removal Glance has published is applied before the
// former member's next answer (issue 16, "access first").
func TestBorrowedHitsWaitForTheBus(t *testing.T) {
	s, fb, read, revoke := sharedWorld(t)
	for _, tc := range []struct {
		name, path, token string
		missed            bool
		barriers          int
	}{
		{"member's first read fills", "/v2.1/images/s1", "tb", true, 0},
		{"member's hit waits for the bus", "/v2.1/images/s1", "tb", false, 1},
		{"owner's fill", "/v2.1/images/s1", "ta", true, 1},
		{"owner's hit owes nothing", "/v2.1/images/s1", "ta", false, 1},
		{"member's list fills", "/v2.1/images/detail", "tb", true, 1},
		{"member's list hit waits (it holds s1)", "/v2.1/images/detail", "tb", false, 2},
		{"member's metadata fills", "/v2.1/images/s1/metadata", "tb", true, 2},
		{"member's metadata hit waits", "/v2.1/images/s1/metadata", "tb", false, 3},
	} {
		code, missed := read(tc.path, tc.token)
		require.Equal(t, 200, code, tc.name)
		require.Equal(t, tc.missed, missed, tc.name)
		require.Equal(t, tc.barriers, fb.calls, tc.name)
	}

	// A barrier that fails (bus lost, too slow) is a miss, never a hit.
	fb.then = func() error { return context.DeadlineExceeded }
	_, missed := read("/v2.1/images/s1/metadata", "tb")
	require.True(t, missed)

	// The owner un-shares in Glance; its notification is what the barrier
	// hands over: the former member's next read asks Glance.
	revoke()
	fb.then = func() error {
		s.OnNotification(notification(t, "image.member.delete", "s1"), time.Now())
		return nil
	}
	code, missed := read("/v2.1/images/s1", "tb")
	require.Equal(t, 404, code, "access taken back in Glance is gone at once")
	require.True(t, missed)
	body := get(s.OperatorHandler(), "GET", "/metrics", "", "").Body.String()
	for _, line := range []string{`imagegw_notification_barriers_total{outcome="failed"} 1`,
		`imagegw_notification_barriers_total{outcome="passed"} 4`} {
		require.True(t, strings.Contains(body, line), line)
	}
}
