package upstream

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type slowValidator struct {
	calls   atomic.Int64
	expires time.Time
}

func (v *slowValidator) Validate(_ context.Context, token string) (*Identity, error) {
	v.calls.Add(1)
	time.Sleep(50 * time.Millisecond)
	if token == "bad" {
		return nil, ErrInvalidToken
	}
	return &Identity{ProjectID: "p-" + token, ExpiresAt: v.expires}, nil
}

func TestTokenBurstMakesOneKeystoneCallPerToken(t *testing.T) {
	sv := &slowValidator{expires: time.Now().Add(time.Hour)}
	cv := NewCachedValidator(sv, time.Minute)
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tok := []string{"a", "b"}[i%2]
			id, err := cv.Validate(context.Background(), tok)
			require.NoError(t, err)
			require.Equal(t, "p-"+tok, id.ProjectID)
		}(i)
	}
	wg.Wait()
	require.EqualValues(t, 2, sv.calls.Load())
	_, err := cv.Validate(context.Background(), "bad")
	require.ErrorIs(t, err, ErrInvalidToken)
	_, err = cv.Validate(context.Background(), "bad")
	require.ErrorIs(t, err, ErrInvalidToken)
	require.EqualValues(t, 4, sv.calls.Load(), "invalid tokens are not cached")
}

func TestTokenNeverTrustedPastExpiry(t *testing.T) {
	sv := &slowValidator{expires: time.Now().Add(80 * time.Millisecond)}
	cv := NewCachedValidator(sv, time.Hour)
	_, err := cv.Validate(context.Background(), "a")
	require.NoError(t, err)
	_, _ = cv.Validate(context.Background(), "a")
	require.EqualValues(t, 1, sv.calls.Load())
	time.Sleep(100 * time.Millisecond)
	_, _ = cv.Validate(context.Background(), "a")
	require.EqualValues(t, 2, sv.calls.Load(), "expired token asked again")
}

// fakeClock is CachedValidator's injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// scriptedValidator counts calls, answers the n-th call with answer(n)
// and, while gate is set, holds every call until the gate is closed.
type scriptedValidator struct {
	calls    atomic.Int64
	finished atomic.Int64
	mu       sync.Mutex
	gate     chan struct{}
	answer   func(n int64) (*Identity, error)
}

func (v *scriptedValidator) Validate(_ context.Context, _ string) (*Identity, error) {
	n := v.calls.Add(1)
	defer v.finished.Add(1)
	v.mu.Lock()
	gate := v.gate
	v.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return v.answer(n)
}

// hold makes the next calls wait; the returned func lets them go.
func (v *scriptedValidator) hold() (release func()) {
	g := make(chan struct{})
	v.mu.Lock()
	v.gate = g
	v.mu.Unlock()
	return func() {
		v.mu.Lock()
		v.gate = nil
		v.mu.Unlock()
		close(g)
	}
}

var errKeystoneDown = errors.New("keystone: connection refused")

// refreshSetup: ttl 100 s (refresh window 10 s, so hits from t0+90s
// refresh), the token valid for tokenLife, first validated at t0.
func refreshSetup(t *testing.T, tokenLife time.Duration, answer func(n int64) (*Identity, error)) (*CachedValidator, *scriptedValidator, *fakeClock, time.Time) {
	t.Helper()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: t0}
	sv := &scriptedValidator{}
	sv.answer = func(n int64) (*Identity, error) {
		if n == 1 || answer == nil {
			return &Identity{ProjectID: "p", ExpiresAt: t0.Add(tokenLife)}, nil
		}
		return answer(n)
	}
	cv := NewCachedValidator(sv, 100*time.Second)
	cv.now = clock.Now
	id, err := cv.Validate(context.Background(), "tok")
	require.NoError(t, err)
	require.Equal(t, "p", id.ProjectID)
	require.EqualValues(t, 1, sv.calls.Load())
	return cv, sv, clock, t0
}

// validateNow asserts that Validate answers without waiting for Keystone.
func validateNow(t *testing.T, cv *CachedValidator) (*Identity, error) {
	t.Helper()
	type res struct {
		id  *Identity
		err error
	}
	ch := make(chan res, 1)
	go func() {
		id, err := cv.Validate(context.Background(), "tok")
		ch <- res{id, err}
	}()
	select {
	case r := <-ch:
		return r.id, r.err
	case <-time.After(2 * time.Second):
		t.Fatal("a cache hit waited for Keystone")
		return nil, nil
	}
}

func TestTokenRefreshAhead(t *testing.T) {
	tests := []struct {
		name   string
		answer func(n int64) (*Identity, error) // calls after the first
		after  func(t *testing.T, cv *CachedValidator, sv *scriptedValidator, clock *fakeClock, t0 time.Time)
	}{
		{"valid: renewed once, in the background", nil,
			func(t *testing.T, cv *CachedValidator, sv *scriptedValidator, clock *fakeClock, t0 time.Time) {
				clock.set(t0.Add(150 * time.Second)) // past the first entry's life, within the renewed one's
				id, err := validateNow(t, cv)
				require.NoError(t, err)
				require.Equal(t, "p", id.ProjectID)
				require.EqualValues(t, 2, sv.calls.Load(), "served by the renewed entry")
			}},
		{"Keystone says invalid: the entry is dropped", func(int64) (*Identity, error) { return nil, ErrInvalidToken },
			func(t *testing.T, cv *CachedValidator, sv *scriptedValidator, clock *fakeClock, t0 time.Time) {
				_, err := cv.Validate(context.Background(), "tok") // t0+91s: the old entry would still be alive
				require.ErrorIs(t, err, ErrInvalidToken)
				require.EqualValues(t, 3, sv.calls.Load(), "asked Keystone again")
			}},
		{"Keystone fails: the entry is kept until it expires", func(int64) (*Identity, error) { return nil, errKeystoneDown },
			func(t *testing.T, cv *CachedValidator, sv *scriptedValidator, clock *fakeClock, t0 time.Time) {
				for _, at := range []time.Duration{95 * time.Second, 99 * time.Second} {
					clock.set(t0.Add(at))
					id, err := validateNow(t, cv)
					require.NoError(t, err, at)
					require.Equal(t, "p", id.ProjectID, at)
				}
				require.Never(t, func() bool { return sv.calls.Load() > 2 }, 100*time.Millisecond, 5*time.Millisecond,
					"one refresh attempt per entry: Keystone is not asked on every hit while it fails")
				clock.set(t0.Add(100 * time.Second))
				_, err := cv.Validate(context.Background(), "tok")
				require.ErrorIs(t, err, errKeystoneDown, "expired: the caller sees Keystone's failure")
				require.EqualValues(t, 3, sv.calls.Load())
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cv, sv, clock, t0 := refreshSetup(t, time.Hour, tt.answer)
			refreshOnce(t, cv, sv, clock, t0)
			tt.after(t, cv, sv, clock, t0)
		})
	}
}

// refreshOnce brings a cached token into its refresh window and checks
// that hits while Keystone is slow are served at once and start exactly
// one background refresh.
func refreshOnce(t *testing.T, cv *CachedValidator, sv *scriptedValidator, clock *fakeClock, t0 time.Time) {
	clock.set(t0.Add(89 * time.Second)) // before the refresh window
	_, err := validateNow(t, cv)
	require.NoError(t, err)
	require.EqualValues(t, 1, sv.calls.Load(), "no refresh before the window")

	clock.set(t0.Add(91 * time.Second))
	release := sv.hold()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ { // hits while Keystone is slow
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := validateNow(t, cv)
			require.NoError(t, err)
			require.Equal(t, "p", id.ProjectID)
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool { return sv.calls.Load() == 2 }, 2*time.Second, time.Millisecond)
	release()
	require.Eventually(t, func() bool { return sv.finished.Load() == 2 }, 2*time.Second, time.Millisecond)
	// the refresh has stored (or dropped) its answer once its flight ends
	waitFlight(cv)
	require.EqualValues(t, 2, sv.calls.Load(), "exactly one background refresh")
}

// waitFlight returns once the validation of "tok" under way (a refresh or
// a miss that has reached the validator) has stored its answer: it joins
// that flight, or runs a no-op one when there is none.
func waitFlight(cv *CachedValidator) {
	_, _, _ = cv.flight.Do(tokenKey("tok"), func() (any, error) { return nil, nil })
}

func TestTokenRefreshNeverPastExpiry(t *testing.T) {
	type hit struct {
		at    time.Duration // answered from the cache...
		calls int64         // ...with this many Keystone calls made (eventually)
	}
	tests := []struct {
		name      string
		tokenLife time.Duration
		hits      []hit
		missAt    time.Duration // first time a request asks Keystone again
	}{
		// the entry ends with the token (t0+50s): nothing to refresh
		{"token expires before the ttl", 50 * time.Second, []hit{{45 * time.Second, 1}, {49 * time.Second, 1}}, 50 * time.Second},
		// renewed at t0+95s, but only until the token's expiry at t0+150s
		{"renewal capped at the token's expiry", 150 * time.Second,
			[]hit{{95 * time.Second, 2}, {145 * time.Second, 2}, {149 * time.Second, 2}}, 150 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cv, sv, clock, t0 := refreshSetup(t, tt.tokenLife, nil)
			for _, h := range tt.hits {
				clock.set(t0.Add(h.at))
				id, err := validateNow(t, cv)
				require.NoError(t, err)
				require.Equal(t, "p", id.ProjectID)
				require.Eventually(t, func() bool { return sv.calls.Load() == h.calls }, 2*time.Second, time.Millisecond, "at %s", h.at)
				require.Never(t, func() bool { return sv.calls.Load() > h.calls }, 50*time.Millisecond, 5*time.Millisecond, "at %s", h.at)
				waitFlight(cv)
			}
			calls := sv.calls.Load()
			clock.set(t0.Add(tt.missAt))
			_, err := cv.Validate(context.Background(), "tok")
			require.NoError(t, err)
			require.EqualValues(t, calls+1, sv.calls.Load(), "asked again at the token's expiry")
		})
	}
}

func TestTokenMissSharesTheRefreshAndKeepsItsDeadline(t *testing.T) {
	cv, sv, clock, t0 := refreshSetup(t, time.Hour, nil)
	clock.set(t0.Add(91 * time.Second))
	release := sv.hold()
	_, err := validateNow(t, cv) // starts the refresh, which waits
	require.NoError(t, err)
	require.Eventually(t, func() bool { return sv.calls.Load() == 2 }, 2*time.Second, time.Millisecond)

	clock.set(t0.Add(101 * time.Second)) // the entry has expired: a miss
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	waited := make(chan error, 1)
	go func() {
		_, err := cv.Validate(ctx, "tok")
		waited <- err
	}()
	select {
	case err = <-waited:
		require.ErrorIs(t, err, context.DeadlineExceeded)
	case <-time.After(2 * time.Second):
		release()
		t.Fatal("a waiter did not keep its own deadline")
	}

	done := make(chan error, 1)
	go func() {
		_, err := cv.Validate(context.Background(), "tok")
		done <- err
	}()
	require.Never(t, func() bool { return len(done) > 0 }, 100*time.Millisecond, 5*time.Millisecond, "the miss waits for the shared call")
	release()
	require.NoError(t, <-done)
	require.EqualValues(t, 2, sv.calls.Load(), "the miss joined the refresh instead of asking Keystone again")
	_, err = validateNow(t, cv)
	require.NoError(t, err)
	require.EqualValues(t, 2, sv.calls.Load())
}

func TestIdentityV3Endpoint(t *testing.T) {
	for in, want := range map[string]string{
		"http://keystone.internal:5000":        "http://keystone.internal:5000/v3/",
		"http://keystone.internal:5000/":       "http://keystone.internal:5000/v3/",
		"http://keystone.internal:5000/v3":     "http://keystone.internal:5000/v3/",
		"http://keystone.internal:5000/v3/":    "http://keystone.internal:5000/v3/",
		"https://cloud.example/identity/v2.0":  "https://cloud.example/identity/v3/",
		"https://cloud.example/keystone-dev1/": "https://cloud.example/keystone-dev1/v3/", // gophercloud's catalog path would cut at "v1/"
	} {
		require.Equal(t, want, identityV3Endpoint(in), in)
	}
}
