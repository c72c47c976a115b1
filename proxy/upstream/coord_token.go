package upstream

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"time"
)

// SharedValidator shares validated tokens between replicas through Redis,
// under the token's SHA-256 (never the token), for at most ttl and never
// past the token's expiry: N replicas ask Keystone once per token. Only
// valid tokens are shared; a Redis that fails is skipped (Keystone is
// asked), never an error to the client.
type SharedValidator struct {
	Next  TokenValidator
	Coord *Coordinator
	TTL   time.Duration
}

// sharedTokenKey is tokenKey in hex under the Redis prefix.
func sharedTokenKey(token string) string {
	return keyPrefix + "token:" + hex.EncodeToString([]byte(tokenKey(token)))
}

// Validate implements TokenValidator.
func (v *SharedValidator) Validate(ctx context.Context, token string) (*Identity, error) {
	r := v.Coord.redis()
	if r == nil {
		return v.Next.Validate(ctx, token)
	}
	key := sharedTokenKey(token)
	cctx, cancel := v.Coord.call(ctx)
	raw, err := r.Do(cctx, r.B().Get().Key(key).Build()).AsBytes()
	cancel()
	if err == nil {
		var id Identity
		if json.Unmarshal(raw, &id) == nil && time.Now().Before(id.ExpiresAt) {
			return &id, nil
		}
	}
	id, err := v.Next.Validate(ctx, token)
	if err != nil {
		return nil, err
	}
	ttl := min(v.TTL, time.Until(id.ExpiresAt))
	if raw, jerr := json.Marshal(id); jerr == nil && ttl > time.Millisecond {
		cctx, cancel := v.Coord.call(ctx)
		_ = r.Do(cctx, r.B().Set().Key(key).Value(string(raw)).Px(ttl).Build()).Error()
		cancel()
	}
	return id, nil
}
