package upstream

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync/atomic"
	"time"

	gocache "github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"
)

// CachedValidator keeps validated tokens in memory for at most ttl and
// never past the token's expiry. Keys are SHA-256 digests of the tokens.
//
// Refresh ahead: a hit within the last refreshWindow(ttl) of its entry's
// life is answered from the cache at once and starts one background
// validation (sharing the singleflight key of misses), so a busy token's
// entry is renewed before it expires instead of making one request wait
// for Keystone. If Keystone then says the token is invalid, the entry is
// dropped; if Keystone fails, the entry is kept until it expires (one
// attempt per entry). An entry is never kept past the token's ExpiresAt,
// and one whose life ends at the token's expiry is not refreshed.
type CachedValidator struct {
	next   TokenValidator
	ttl    time.Duration
	cache  *gocache.Cache
	now    func() time.Time
	flight singleflight.Group
	// invalid remembers tokens Keystone refused, for invalidTTL, at most
	// invalidMax of them (CacheInvalid).
	invalid    *gocache.Cache
	invalidTTL time.Duration
	invalidMax int
}

// tokenEntry is one cached validation.
type tokenEntry struct {
	id *Identity
	// expires: the entry is not used from then on (validation + ttl, or
	// the token's expiry if sooner).
	expires time.Time
	// refreshAt: a hit from then on renews the entry in the background
	// (zero: never, the entry ends with the token).
	refreshAt time.Time
	// refreshing is set by the hit that starts the background validation.
	refreshing atomic.Bool
}

// maxRefreshWindow caps refreshWindow.
const maxRefreshWindow = 30 * time.Second

// refreshWindow is how long before a cached validation expires a hit
// renews it: the last 10% of ttl, at most 30 s.
func refreshWindow(ttl time.Duration) time.Duration {
	return min(ttl/10, maxRefreshWindow)
}

// NewCachedValidator wraps next; ttl 0 disables caching.
func NewCachedValidator(next TokenValidator, ttl time.Duration) *CachedValidator {
	return &CachedValidator{next: next, ttl: ttl, cache: gocache.New(ttl, time.Minute), now: time.Now}
}

// CacheInvalid makes v remember tokens Keystone refused, for ttl, at most
// max of them at a time (0 or a ttl of 0: never), as keystonemiddleware
// caches invalid tokens: a client repeating a bad token costs one Keystone
// call per ttl instead of one per request. At the bound a new bad token is
// not remembered (memory stays bounded; Keystone is asked again).
func (v *CachedValidator) CacheInvalid(ttl time.Duration, max int) *CachedValidator {
	if ttl > 0 && max > 0 {
		v.invalid, v.invalidTTL, v.invalidMax = gocache.New(ttl, time.Minute), ttl, max
	}
	return v
}

// knownInvalid tells whether Keystone refused the token within invalidTTL.
func (v *CachedValidator) knownInvalid(key string) bool {
	if v.invalid == nil {
		return false
	}
	_, bad := v.invalid.Get(key)
	return bad
}

// tokenKey is the token cache's key: the token's SHA-256, as 32 raw bytes
// (no hex string to build on every hit).
func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return string(sum[:])
}

// Validate returns the cached identity or asks the wrapped validator.
func (v *CachedValidator) Validate(ctx context.Context, token string) (*Identity, error) {
	key := tokenKey(token)
	if v.knownInvalid(key) {
		return nil, ErrInvalidToken
	}
	if v.ttl <= 0 && v.invalid == nil {
		return v.next.Validate(ctx, token)
	}
	if id, ok := v.lookup(key, token); ok {
		return id, nil
	}
	// Concurrent requests with the same uncached token share one Keystone
	// call (a burst after start or expiry would otherwise queue N calls);
	// the call is not cancelled when the first caller leaves (the HTTP
	// client's timeout bounds it), and each caller keeps its own deadline.
	ch := v.flight.DoChan(key, func() (any, error) {
		return v.validate(context.WithoutCancel(ctx), key, token)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Identity), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Cached answers from the cache alone (refreshing ahead as Validate
// does): ok is false when Keystone must be asked. It needs no context, so
// a cache hit costs no request deadline.
func (v *CachedValidator) Cached(token string) (*Identity, bool) {
	if v.ttl <= 0 {
		return nil, false
	}
	return v.lookup(tokenKey(token), token)
}

// lookup is a cache hit, starting the refresh ahead when it is due.
func (v *CachedValidator) lookup(key, token string) (*Identity, bool) {
	if v.ttl <= 0 {
		return nil, false
	}
	x, ok := v.cache.Get(key)
	if !ok {
		return nil, false
	}
	e := x.(*tokenEntry)
	now := v.now()
	if !now.Before(e.expires) {
		return nil, false
	}
	if !e.refreshAt.IsZero() && !now.Before(e.refreshAt) && e.refreshing.CompareAndSwap(false, true) {
		go v.refresh(key, token)
	}
	return e.id, true
}

// refresh renews a cached validation in the background (bounded by the
// HTTP client's timeout). A miss of the same token meanwhile shares it.
func (v *CachedValidator) refresh(key, token string) {
	_, _, _ = v.flight.Do(key, func() (any, error) {
		return v.validate(context.Background(), key, token)
	})
}

// validate asks the wrapped validator and caches the answer: a valid token
// for ttl (never past its expiry), an invalid one is dropped, and any
// other failure leaves the cache as it was.
func (v *CachedValidator) validate(ctx context.Context, key, token string) (*Identity, error) {
	id, err := v.next.Validate(ctx, token)
	if errors.Is(err, ErrInvalidToken) {
		v.cache.Delete(key)
		if v.invalid != nil && v.invalid.ItemCount() < v.invalidMax {
			v.invalid.SetDefault(key, struct{}{})
		}
	}
	if err != nil {
		return nil, err
	}
	if v.ttl <= 0 {
		return id, nil
	}
	now := v.now()
	e := &tokenEntry{id: id, expires: now.Add(v.ttl)}
	if !id.ExpiresAt.After(e.expires) {
		e.expires = id.ExpiresAt // ends with the token: nothing to refresh
	} else {
		e.refreshAt = e.expires.Add(-refreshWindow(v.ttl))
	}
	if left := e.expires.Sub(now); left > 0 {
		v.cache.Set(key, e, left)
	}
	return id, nil
}
