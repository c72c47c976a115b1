package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/redis/rueidis"
)

// lease is how long a replica's write lock on an image lasts unless it is
// renewed: a replica that dies holding it blocks that image this long at
// most. Renewed every lease/3 while the write runs, so a slow Glance
// write keeps it.
const lease = 5 * time.Second

// renewLease and releaseLease touch the lock only while it is still this
// holder's (its token): an expired lease taken by another replica is left
// alone (the Redlock single-instance pattern).
var (
	renewLease = rueidis.NewLuaScript(`if redis.call("get", KEYS[1]) == ARGV[1] then
  return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`)
	releaseLease = rueidis.NewLuaScript(`if redis.call("get", KEYS[1]) == ARGV[1] then
  return redis.call("del", KEYS[1]) else return 0 end`)
)

// Lock takes the fleet-wide write lock of scope, waiting for it until ctx
// ends; the returned function releases it. ErrCoordination when Redis
// cannot be asked.
func (c *Coordinator) Lock(ctx context.Context, scope string) (func(), error) {
	r := c.redis()
	if r == nil {
		return nil, ErrCoordination
	}
	sum := sha256.Sum256([]byte(scope))
	key := keyPrefix + "lock:" + hex.EncodeToString(sum[:16])
	token := c.id + "-" + newReplicaID()
	pause := time.Millisecond
	for {
		cctx, cancel := c.call(ctx)
		err := r.Do(cctx, r.B().Set().Key(key).Value(token).Nx().Px(lease).Build()).Error()
		cancel()
		if err == nil {
			break
		}
		if !rueidis.IsRedisNil(err) { // nil: held by someone else
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: %v", ErrCoordination, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause + rand.N(pause)): // jitter: waiters spread out
		}
		pause = min(2*pause, 20*time.Millisecond)
	}
	done := make(chan struct{})
	go c.keepLease(r, key, token, done)
	return func() {
		close(done)
		ctx, cancel := c.call(context.Background())
		defer cancel()
		_ = releaseLease.Exec(ctx, r, []string{key}, []string{token}).Error()
	}, nil
}

// keepLease renews the lease every lease/3 until done.
func (c *Coordinator) keepLease(r rueidis.Client, key, token string, done <-chan struct{}) {
	t := time.NewTicker(lease / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), lease/3)
			_ = renewLease.Exec(ctx, r, []string{key}, []string{token, fmt.Sprint(lease.Milliseconds())}).Error()
			cancel()
		}
	}
}
