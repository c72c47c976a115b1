package proxy

import (
	"context"
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
