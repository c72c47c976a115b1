package translate

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Notification is one of Glance's notifications (oslo.messaging, message
// format 2.0): what imagegw's cache needs of it.
type Notification struct {
	EventType string
	// ImageID is the image it is about: payload "id" for image.*, or
	// "image_id" for image.member.*.
	ImageID string
	// Timestamp is when Glance emitted it (UTC; zero if unreadable).
	Timestamp time.Time
}

// ParseNotification reads Glance's notification from its oslo.messaging
// envelope: {"oslo.version": "2.0", "oslo.message": "<JSON>"}, the
// message holding event_type, payload and timestamp.
func ParseNotification(body []byte) (Notification, error) {
	var env struct {
		Version string `json:"oslo.version"`
		Message string `json:"oslo.message"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return Notification{}, err
	}
	if env.Version != "2.0" {
		return Notification{}, errors.New("not an oslo.messaging 2.0 envelope")
	}
	var m struct {
		EventType string          `json:"event_type"`
		Timestamp string          `json:"timestamp"`
		Payload   json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal([]byte(env.Message), &m); err != nil {
		return Notification{}, err
	}
	var p struct {
		ID      any `json:"id"`
		ImageID any `json:"image_id"`
	}
	_ = json.Unmarshal(m.Payload, &p) // not every payload is an object
	n := Notification{EventType: m.EventType}
	if strings.HasPrefix(m.EventType, "image.member.") {
		n.ImageID, _ = p.ImageID.(string)
	} else {
		n.ImageID, _ = p.ID.(string)
	}
	// oslo.messaging writes str(timeutils.utcnow())
	if t, err := time.Parse("2006-01-02 15:04:05.999999", m.Timestamp); err == nil {
		n.Timestamp = t
	}
	return n, nil
}

// Invalidation is what a notified change makes stale in imagegw's cache.
type Invalidation struct {
	ImageID string
	// Delete: the image is gone; lists that did not hold it cannot
	// change.
	Delete bool
	// AllLists: the change can move the image into lists that did not
	// hold it (a new image, a visibility, status or property change, a
	// member added or removed): every list is stale.
	AllLists bool
}

// InvalidationOf is the invalidation a notification calls for; ok is false
// for events that change nothing a read shows (image.send is a
// download) or that name no image.
func InvalidationOf(n Notification) (inv Invalidation, ok bool) {
	if n.ImageID == "" || !strings.HasPrefix(n.EventType, "image.") || n.EventType == "image.send" {
		return Invalidation{}, false
	}
	if n.EventType == "image.delete" {
		return Invalidation{ImageID: n.ImageID, Delete: true}, true
	}
	return Invalidation{ImageID: n.ImageID, AllLists: true}, true
}
