package upstream

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/rueidis"
)

// Run follows the write stream until ctx ends, reconnecting with backoff.
func (c *Coordinator) Run(ctx context.Context) {
	defer c.leave()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := c.session(ctx)
		if ctx.Err() != nil {
			return
		}
		c.State(false, err)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
		if c.Fresh() { // a session that had come up starts over fast
			backoff = 100 * time.Millisecond
		}
	}
}

// leave unregisters this replica (a graceful stop): writers stop waiting
// for it at once instead of after appliedTTL.
func (c *Coordinator) leave() {
	c.lastAck.Store(0)
	r := c.redis()
	if r == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	b := r.B()
	_ = r.DoMulti(ctx, b.Srem().Key(replicasKey).Member(c.id).Build(), b.Del().Key(appliedKey(c.id)).Build())
}

// session is one run of the read-apply-acknowledge loop; it ends on the
// first Redis error.
func (c *Coordinator) session(ctx context.Context) error {
	r := c.redis()
	if r == nil {
		nr, err := rueidis.NewClient(c.opt)
		if err != nil {
			return fmt.Errorf("coordination: %w", err)
		}
		c.client.Store(&nr)
		r = nr
	}
	for ctx.Err() == nil {
		sent := time.Now()
		if err := c.acknowledge(ctx, r, sent); err != nil {
			return err
		}
		if err := c.read(ctx, r); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// acknowledge records the last id applied, registers this replica and
// reads Redis' epoch: two round trips every readBlock at most. When the
// fence had lapsed, or Redis is not the one it was (restarted empty: the
// epoch is new), everything cached before is dropped first and the
// stream is followed from its end (read then only: a third round trip).
func (c *Coordinator) acknowledge(ctx context.Context, r rueidis.Client, sent time.Time) error {
	stale := !c.Fresh()
	b := r.B()
	ctx, cancel := c.call(ctx)
	defer cancel()
	res := r.DoMulti(ctx,
		b.Set().Key(epochKey).Value(c.id+"@"+sent.UTC().Format(time.RFC3339Nano)).Nx().Build(),
		b.Get().Key(epochKey).Build(),
		b.Sadd().Key(replicasKey).Member(c.id).Build(),
	)
	for _, x := range res {
		if err := x.Error(); err != nil && !rueidis.IsRedisNil(err) {
			return fmt.Errorf("coordination: %w", err)
		}
	}
	epoch, _ := res[1].ToString()
	if epoch != c.epoch || stale || c.last == "" {
		// the stream's end is read before the drop: a write after it is
		// read from the stream, one before it is dropped with the rest
		entries, err := r.Do(ctx, b.Xrevrange().Key(streamKey).End("+").Start("-").Count(1).Build()).AsXRange()
		if err != nil && !rueidis.IsRedisNil(err) {
			return fmt.Errorf("coordination: %w", err)
		}
		head := "0-0"
		if len(entries) > 0 {
			head = entries[0].ID
		}
		c.State(true, nil) // drop what was cached before, then trust again
		c.epoch, c.last = epoch, head
	}
	if err := r.Do(ctx, b.Set().Key(appliedKey(c.id)).Value(c.last).Px(appliedTTL).Build()).Error(); err != nil {
		return fmt.Errorf("coordination: %w", err)
	}
	c.lastAck.Store(sent.UnixNano())
	return nil
}

func appliedKey(id string) string { return coordPrefix + "applied:" + id }

// read waits up to readBlock for writes after the last one applied and
// hands the other replicas' ones over, in order.
func (c *Coordinator) read(ctx context.Context, r rueidis.Client) error {
	cmd := r.B().Xread().Count(1000).Block(readBlock.Milliseconds()).Streams().Key(streamKey).Id(c.last).Build()
	ctx, cancel := context.WithTimeout(ctx, c.timeout+readBlock)
	defer cancel()
	streams, err := r.Do(ctx, cmd).AsXRead()
	if rueidis.IsRedisNil(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("coordination: %w", err)
	}
	for _, e := range streams[streamKey] {
		c.last = e.ID
		ev := CoordEvent{Glance: e.FieldValues["g"], Image: e.FieldValues["i"], Delete: e.FieldValues["d"] == "1", Origin: e.FieldValues["o"]}
		if ev.Origin != c.id {
			c.Handle(ev)
		}
	}
	return nil
}

// Publish tells every replica about a write this one made to Glance and
// returns once each has applied it, or has stopped serving hits (its
// acknowledgement expired); ErrCoordination when that cannot be known.
func (c *Coordinator) Publish(ctx context.Context, ev CoordEvent) error {
	r := c.redis()
	if r == nil {
		return ErrCoordination
	}
	d := "0"
	if ev.Delete {
		d = "1"
	}
	b := r.B()
	cctx, cancel := c.call(ctx)
	defer cancel()
	id, err := r.Do(cctx, b.Xadd().Key(streamKey).Maxlen().Almost().Threshold(fmt.Sprint(streamMax)).Id("*").
		FieldValue().FieldValue("g", ev.Glance).FieldValue("i", ev.Image).FieldValue("d", d).FieldValue("o", c.id).Build()).ToString()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCoordination, err)
	}
	return c.waitApplied(ctx, r, id)
}

// waitApplied polls the other replicas' acknowledgements until each has
// applied id or expired (appliedTTL at most, plus a margin).
func (c *Coordinator) waitApplied(ctx context.Context, r rueidis.Client, id string) error {
	want, _ := parseStreamID(id)
	deadline := time.Now().Add(appliedTTL + 200*time.Millisecond)
	pause := 100 * time.Microsecond
	for {
		behind, err := c.behind(ctx, r, want)
		if err != nil {
			return err
		}
		if behind == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %d replicas neither applied %s nor expired", ErrCoordination, behind, id)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", ErrCoordination, ctx.Err())
		case <-time.After(pause):
		}
		pause = min(2*pause, 2*time.Millisecond)
	}
}

// behind counts the registered replicas (this one aside) whose last
// acknowledged id is before want; those whose acknowledgement expired
// are unregistered.
func (c *Coordinator) behind(ctx context.Context, r rueidis.Client, want streamID) (int, error) {
	b := r.B()
	ctx, cancel := c.call(ctx)
	defer cancel()
	members, err := r.Do(ctx, b.Smembers().Key(replicasKey).Build()).AsStrSlice()
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrCoordination, err)
	}
	var others []string
	for _, m := range members {
		if m != c.id {
			others = append(others, m)
		}
	}
	if len(others) == 0 {
		return 0, nil
	}
	keys := make([]string, len(others))
	for i, m := range others {
		keys[i] = appliedKey(m)
	}
	vals, err := r.Do(ctx, b.Mget().Key(keys...).Build()).ToArray()
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrCoordination, err)
	}
	n := 0
	for i, v := range vals {
		s, err := v.ToString()
		if rueidis.IsRedisNil(err) { // gone: it serves no hits any more
			_ = r.Do(ctx, b.Srem().Key(replicasKey).Member(others[i]).Build()).Error()
			continue
		}
		if got, ok := parseStreamID(s); !ok || got.less(want) {
			n++
		}
	}
	return n, nil
}
