package upstream

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Subscriber receives Glance's notifications from the cloud's bus
// (oslo.messaging on RabbitMQ) on a queue of its own: exclusive to this
// process, deleted with its connection, bound to the topic's routing keys
// on Glance's exchange. It reconnects with backoff after any loss (broker
// down, connection or channel closed, consumer cancelled, queue deleted)
// and reports each change of state, so that what was cached across a gap
// is not trusted. Deliveries are handed over in the consumer's goroutine:
// request handling never waits on the bus.
type Subscriber struct {
	URL      string // amqp://user:password@host:port/vhost
	Exchange string // Glance's control_exchange, "glance"
	Topic    string // "notifications": routing keys notifications.<priority>
	// Handle gets every delivery's body and when it arrived.
	Handle func(body []byte, received time.Time)
	// State is told when the subscription starts (true) and when it is
	// lost (false, with the cause).
	State func(subscribed bool, cause error)
	// MaxBackoff caps the pause between attempts (doubling from 100 ms).
	MaxBackoff time.Duration

	b barrier
}

// Barrier returns once every notification the broker had for this process
// when it was called has been handed to Handle (see barrier), or fails:
// not subscribed, the subscription lost meanwhile, or ctx done.
func (s *Subscriber) Barrier(ctx context.Context) error { return s.b.wait(ctx) }

// heartbeat is the AMQP heartbeat asked of the broker: amqp091-go gives
// up on a connection after three silent intervals, so a broker that stops
// answering (frozen, or cut off without a reset) is noticed within 6 s
// instead of the 30 s of a 10 s heartbeat, and the cache stops trusting
// entries that no notification can correct. One small frame a second.
const heartbeat = 2 * time.Second

// Run subscribes until ctx ends.
func (s *Subscriber) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		started := time.Now()
		err := s.session(ctx)
		s.State(false, err)
		if time.Since(started) > 10*time.Second {
			backoff = 100 * time.Millisecond // it had been up: start over
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, s.MaxBackoff)
	}
}

// session is one connection: subscribe, hand over deliveries until the
// connection, channel or consumer ends.
func (s *Subscriber) session(ctx context.Context) error {
	conn, err := amqp.DialConfig(s.URL, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second), Heartbeat: heartbeat})
	if err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	defer conn.Close()
	deliveries, queue, err := s.subscribe(conn)
	if err != nil {
		return err
	}
	publish, err := markerPublisher(conn, queue)
	if err != nil {
		return fmt.Errorf("notifications: marker channel: %w", err)
	}
	s.b.reset(publish)
	defer s.b.reset(nil)
	s.State(true, nil)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case d, ok := <-deliveries:
			if !ok {
				return fmt.Errorf("notifications: delivery ended (%v)", conn.IsClosed())
			}
			if d.Type == markerType && d.Exchange == "" {
				s.b.arrived(d)
				continue
			}
			s.Handle(d.Body, time.Now())
		}
	}
}

// subscribe declares what oslo.messaging declares for Glance (a topic
// exchange, not durable: declaring it the same way is harmless) and a
// private queue bound to the topic.
func (s *Subscriber) subscribe(conn *amqp.Connection) (<-chan amqp.Delivery, string, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, "", fmt.Errorf("notifications: channel: %w", err)
	}
	if err := ch.ExchangeDeclare(s.Exchange, "topic", false, false, false, false, nil); err != nil {
		return nil, "", fmt.Errorf("notifications: exchange %q: %w", s.Exchange, err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return nil, "", fmt.Errorf("notifications: queue: %w", err)
	}
	if err := ch.QueueBind(q.Name, s.Topic+".#", s.Exchange, false, nil); err != nil {
		return nil, "", fmt.Errorf("notifications: bind: %w", err)
	}
	deliveries, err := ch.Consume(q.Name, "imagegw", true, true, false, false, nil)
	if err != nil {
		return nil, "", fmt.Errorf("notifications: consume: %w", err)
	}
	return deliveries, q.Name, nil
}
