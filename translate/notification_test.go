package translate

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// envelope wraps a message as oslo.messaging 2.0 does.
func envelope(t *testing.T, msg map[string]any) []byte {
	t.Helper()
	inner, err := json.Marshal(msg)
	require.NoError(t, err)
	b, err := json.Marshal(map[string]string{"oslo.version": "2.0", "oslo.message": string(inner)})
	require.NoError(t, err)
	return b
}

func TestNotifications(t *testing.T) {
	at := "2026-12-01 16:10:00.123456"
	for _, tc := range []struct {
		name  string
		msg   map[string]any
		inv   Invalidation
		ok    bool
		image string
	}{
		{"delete", map[string]any{"event_type": "image.delete", "timestamp": at, "payload": map[string]any{"id": "i1"}},
			Invalidation{ImageID: "i1", Delete: true}, true, "i1"},
		{"update", map[string]any{"event_type": "image.update", "timestamp": at, "payload": map[string]any{"id": "i1", "visibility": "private"}},
			Invalidation{ImageID: "i1", AllLists: true}, true, "i1"},
		{"create", map[string]any{"event_type": "image.create", "timestamp": at, "payload": map[string]any{"id": "i2"}},
			Invalidation{ImageID: "i2", AllLists: true}, true, "i2"},
		{"member removed", map[string]any{"event_type": "image.member.delete", "timestamp": at,
			"payload": map[string]any{"image_id": "i3", "member_id": "p2"}}, Invalidation{ImageID: "i3", AllLists: true}, true, "i3"},
		{"download", map[string]any{"event_type": "image.send", "timestamp": at, "payload": map[string]any{"image_id": "i1"}},
			Invalidation{}, false, ""},
		{"not an image event", map[string]any{"event_type": "task.run", "payload": map[string]any{"id": "t1"}}, Invalidation{}, false, "t1"},
		{"payload not an object", map[string]any{"event_type": "image.update", "payload": "x"}, Invalidation{}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseNotification(envelope(t, tc.msg))
			require.NoError(t, err)
			require.Equal(t, tc.image, n.ImageID)
			inv, ok := InvalidationOf(n)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.inv, inv)
			if tc.msg["timestamp"] == at {
				require.Equal(t, time.Date(2026, 12, 1, 16, 10, 0, 123456000, time.UTC), n.Timestamp)
			}
		})
	}
	for _, bad := range []string{`x`, `{"oslo.version": "1.0", "oslo.message": "{}"}`, `{"oslo.version": "2.0", "oslo.message": "x"}`} {
		_, err := ParseNotification([]byte(bad))
		require.Error(t, err, bad)
	}
}
