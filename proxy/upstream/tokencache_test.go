package upstream

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Issue 14, item 8: a token Keystone refused is refused again without
// asking, for a while, for a bounded number of tokens.
func TestInvalidTokensAreRemembered(t *testing.T) {
	sv := &slowValidator{expires: time.Now().Add(time.Hour)}
	cv := NewCachedValidator(sv, time.Minute).CacheInvalid(time.Minute, 2)
	for i := 0; i < 10; i++ {
		_, err := cv.Validate(context.Background(), "bad")
		require.ErrorIs(t, err, ErrInvalidToken)
	}
	require.EqualValues(t, 1, sv.calls.Load(), "ten requests with one bad token, one Keystone call")

	bad := &prefixInvalid{}
	cv = NewCachedValidator(bad, time.Minute).CacheInvalid(time.Minute, 2)
	for _, tok := range []string{"bad1", "bad2", "bad3", "bad1", "bad2", "bad3"} {
		_, err := cv.Validate(context.Background(), tok)
		require.ErrorIs(t, err, ErrInvalidToken)
	}
	require.EqualValues(t, 4, bad.calls.Load(), "two remembered, the third asked again (the bound)")
	require.Equal(t, 2, cv.invalid.ItemCount())

	cv = NewCachedValidator(bad, 0).CacheInvalid(20*time.Millisecond, 10)
	_, _ = cv.Validate(context.Background(), "bad9")
	_, _ = cv.Validate(context.Background(), "bad9")
	require.EqualValues(t, 5, bad.calls.Load(), "remembered with the valid-token cache off too")
	time.Sleep(40 * time.Millisecond)
	_, _ = cv.Validate(context.Background(), "bad9")
	require.EqualValues(t, 6, bad.calls.Load(), "asked again after the ttl")
}

type prefixInvalid struct{ calls atomic.Int64 }

func (p *prefixInvalid) Validate(_ context.Context, token string) (*Identity, error) {
	p.calls.Add(1)
	if strings.HasPrefix(token, "bad") {
		return nil, ErrInvalidToken
	}
	return &Identity{ProjectID: "p", ExpiresAt: time.Now().Add(time.Hour)}, nil
}
