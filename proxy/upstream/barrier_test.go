package upstream

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"
)

// fakeBroker echoes each marker back after a delay, like a queue would.
type fakeBroker struct {
	b     *barrier
	delay time.Duration
	mu    sync.Mutex
	sent  []uint64
	fail  error
}

func (f *fakeBroker) publish(seq uint64) error {
	f.mu.Lock()
	f.sent = append(f.sent, seq)
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		return fail
	}
	go func() {
		time.Sleep(f.delay)
		f.b.arrived(amqp.Delivery{Type: markerType, MessageId: strconv.FormatUint(seq, 10)})
	}()
	return nil
}

func (f *fakeBroker) markers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

func TestBarrierSharesMarkers(t *testing.T) {
	b := &barrier{}
	require.ErrorIs(t, b.wait(context.Background()), ErrNotSubscribed, "no session: no barrier")
	fb := &fakeBroker{b: b, delay: 20 * time.Millisecond}
	b.reset(fb.publish)
	require.NoError(t, b.wait(context.Background()))
	require.Equal(t, 1, fb.markers())

	// 50 callers at once: one marker in flight, the rest share the next.
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- b.wait(context.Background()) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.LessOrEqual(t, fb.markers(), 1+3, "group commit, not one marker per caller")

	// A stale marker (a previous session's) releases nobody.
	done := make(chan error, 1)
	fb.delay = time.Hour
	n0 := fb.markers()
	go func() { done <- b.wait(context.Background()) }()
	require.Eventually(t, func() bool { return fb.markers() == n0+1 }, time.Second, time.Millisecond)
	b.arrived(amqp.Delivery{Type: markerType, MessageId: "1"})
	select {
	case <-done:
		t.Fatal("released by a stale marker")
	case <-time.After(20 * time.Millisecond):
	}
	// The session ends: every waiter fails at once.
	b.reset(nil)
	require.ErrorIs(t, <-done, ErrNotSubscribed)
}

func TestBarrierFailsFast(t *testing.T) {
	b := &barrier{}
	fb := &fakeBroker{b: b, delay: time.Hour}
	b.reset(fb.publish)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, b.wait(ctx), context.DeadlineExceeded, "a marker that never comes back")

	// a publish error fails the waiters, and the next caller sends anew
	b2 := &barrier{}
	boom := errors.New("channel closed")
	fb2 := &fakeBroker{b: b2, fail: boom}
	b2.reset(fb2.publish)
	require.ErrorIs(t, b2.wait(context.Background()), boom)
	fb2.mu.Lock()
	fb2.fail = nil
	fb2.mu.Unlock()
	require.NoError(t, b2.wait(context.Background()))
	require.Equal(t, 2, fb2.markers())
}
