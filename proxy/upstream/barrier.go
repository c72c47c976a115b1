package upstream

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// A barrier proves that every notification the broker had routed to this
// process's queue before a moment has been handed over: it publishes a
// marker to the queue itself (default exchange, routing key = queue name)
// and waits for it to come back. RabbitMQ delivers a queue's messages in
// the order they were enqueued, so when the marker arrives, every event
// Glance had published before it has been applied. Callers that arrive
// while a marker is in flight share the next one (group commit): at most
// one marker is in flight, whatever the number of callers.

// markerType is the AMQP type of a barrier marker; Glance's messages have none.
const markerType = "imagegw.barrier"

// markerTimeout bounds one marker's publish.
const markerTimeout = time.Second

// ErrNotSubscribed: no subscription, so no barrier (the caller trusts nothing).
var ErrNotSubscribed = errors.New("notifications: not subscribed")

type barrier struct {
	mu       sync.Mutex
	publish  func(seq uint64) error // nil while not subscribed
	seq      uint64                 // the last marker sent
	inflight bool
	current  []chan error // waiting for marker seq
	next     []chan error // arrived while it was in flight: the next marker
}

// wait returns nil once a marker sent after the call has come back.
func (b *barrier) wait(ctx context.Context) error {
	ch := make(chan error, 1)
	b.mu.Lock()
	switch {
	case b.publish == nil:
		b.mu.Unlock()
		return ErrNotSubscribed
	case b.inflight:
		b.next = append(b.next, ch)
	default:
		b.current = append(b.current, ch)
		b.send()
	}
	b.mu.Unlock()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send publishes marker seq+1 for b.current; under mu. The publish runs
// outside the lock: a broker that blocks publishers (a resource alarm)
// must not block the callers, who give up at their own deadline.
func (b *barrier) send() {
	b.seq++
	b.inflight = true
	publish, seq := b.publish, b.seq
	go func() {
		if err := publish(seq); err != nil {
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.inflight && b.seq == seq {
				b.release(err)
			}
		}
	}()
}

// release answers the current waiters and sends for the next ones; under mu.
func (b *barrier) release(err error) {
	for _, ch := range b.current {
		ch <- err // buffered: a waiter that gave up costs nothing
	}
	b.current, b.next, b.inflight = b.next, nil, false
	if len(b.current) > 0 {
		if err != nil || b.publish == nil {
			b.release(err)
			return
		}
		b.send()
	}
}

// arrived is a marker delivered back by the broker.
func (b *barrier) arrived(d amqp.Delivery) {
	seq, err := strconv.ParseUint(d.MessageId, 10, 64)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil || !b.inflight || seq != b.seq { // a previous session's
		return
	}
	b.release(nil)
}

// reset starts a session's barrier (publish) or ends it (nil): every
// waiter of the old one fails.
func (b *barrier) reset(publish func(seq uint64) error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.publish = nil
	b.current = append(b.current, b.next...)
	b.next = nil
	if len(b.current) > 0 {
		b.release(ErrNotSubscribed)
	}
	b.inflight = false
	b.publish = publish
}

// markerPublisher publishes markers to queue on their own channel (a
// consumer's channel is left to its deliveries).
func markerPublisher(conn *amqp.Connection, queue string) (func(seq uint64) error, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	return func(seq uint64) error {
		ctx, cancel := context.WithTimeout(context.Background(), markerTimeout)
		defer cancel()
		return ch.PublishWithContext(ctx, "", queue, false, false, amqp.Publishing{
			Type: markerType, MessageId: strconv.FormatUint(seq, 10), DeliveryMode: amqp.Transient,
		})
	}, nil
}
