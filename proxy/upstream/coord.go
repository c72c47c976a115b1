package upstream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"
)

// Coordinator keeps replicas of imagegw in agreement through Redis.
//
// Every write a replica makes to Glance is appended to one Redis stream
// (XADD) and every replica reads that stream (XREAD BLOCK) into its own
// write log, the same one its own writes and Glance's notifications feed:
// its cache hits stay in-process. A stream rather than RESP3 client-side
// caching (CLIENT TRACKING): a list answer depends on many images, and the
// write log already decides per entry what a write makes stale, so what a
// replica needs is every write, in order, with a way to tell it missed
// none; a tracked key per image would need one check per image on every
// list hit.
//
// "Before the write's response" is kept with acknowledgements and a
// fence. After applying what it read, each replica records the last
// stream id it applied (a key that expires after appliedTTL); a writer
// waits until every registered replica has applied its write or its key
// has expired. A replica serves hits only while its last acknowledgement
// is younger than fence (< appliedTTL): a replica the writer stopped
// waiting for (frozen, cut off, Redis gone) has stopped serving hits by
// then, and when it gets back it drops everything it cached before.
type Coordinator struct {
	opt     rueidis.ClientOption
	client  atomic.Pointer[rueidis.Client] // nil until Redis was first reached
	id      string
	timeout time.Duration // of each command
	// Handle gets every write another replica made, in stream order.
	Handle func(CoordEvent)
	// State is told when this replica starts trusting its cache again
	// (true: everything cached before must be dropped first) and when a
	// session fails (false, with the cause).
	State func(fresh bool, cause error)

	lastAck atomic.Int64 // unix ns when the last acknowledgement round was sent
	last    string       // the last stream id applied (Run's goroutine only)
	epoch   string       // Redis' epoch seen (Run's goroutine only)
}

// CoordEvent is one write to Glance, as replicas tell each other.
type CoordEvent struct {
	Glance, Image string
	Delete        bool
	Origin        string // the replica that made it
}

const (
	keyPrefix = "imagegw:"
	// coordPrefix: the stream, the replica set, the epoch and every
	// acknowledgement share one hash slot ({coord}), so that behind reads
	// all acknowledgements in one MGET, which a Redis Cluster refuses
	// across slots, and the epoch lives on the node the stream does.
	coordPrefix = keyPrefix + "{coord}:"
	streamKey   = coordPrefix + "writes"
	replicasKey = coordPrefix + "replicas"
	epochKey    = coordPrefix + "epoch"
	// streamMax bounds the stream (MAXLEN ~): a replica further behind
	// than that has been fenced for a long time and drops its cache anyway.
	streamMax = 100000
	// appliedTTL: a replica that has not acknowledged for this long is
	// not waited for.
	appliedTTL = time.Second
	// fence: a replica serves hits only within this of its last
	// acknowledgement; well under appliedTTL, for the time the
	// acknowledgement takes to reach Redis and for clock rates.
	fence = 400 * time.Millisecond
	// readBlock: an idle replica still acknowledges this often.
	readBlock = 100 * time.Millisecond
)

// ErrCoordination: Redis could not coordinate a write (unreachable, or a
// replica neither acknowledged nor expired in time).
var ErrCoordination = errors.New("coordination: Redis unavailable")

// NewCoordinator connects to the Redis of url (rueidis.ParseURL: redis://,
// rediss://, redis-sentinel://, unix://; a Cluster from several
// addresses). Commands fail after timeout instead of hanging.
func NewCoordinator(url string, timeout time.Duration) (*Coordinator, error) {
	opt, err := rueidis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("coordination: redis_url: %w", err)
	}
	opt.DisableCache = true // no client-side caching (see Coordinator)
	opt.ConnWriteTimeout = timeout
	opt.Dialer.Timeout = timeout
	opt.ClientName = "imagegw"
	// no retries inside rueidis (of reads, until the caller's deadline):
	// a Redis that fails is this replica's to handle at once
	opt.DisableRetry = true
	// rueidis dials in NewClient: Run connects (and retries), so imagegw
	// starts and serves, uncoordinated, while Redis is down
	return &Coordinator{opt: opt, id: newReplicaID(), timeout: timeout}, nil
}

// call bounds one command (or one round trip of several) by the
// coordinator's timeout, within ctx.
func (c *Coordinator) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// redis is the client once Redis was reached (nil before).
func (c *Coordinator) redis() rueidis.Client {
	if p := c.client.Load(); p != nil {
		return *p
	}
	return nil
}

// Close closes the connections.
func (c *Coordinator) Close() {
	if r := c.redis(); r != nil {
		r.Close()
	}
}

func newReplicaID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ID is this replica's name in Redis.
func (c *Coordinator) ID() string { return c.id }

// Fresh tells whether this replica may serve cache hits now.
func (c *Coordinator) Fresh() bool {
	at := c.lastAck.Load()
	return at != 0 && time.Since(time.Unix(0, at)) < fence
}

// streamID is a parsed stream entry id (ms-seq).
type streamID struct{ ms, seq uint64 }

func parseStreamID(s string) (streamID, bool) {
	ms, seq, ok := strings.Cut(s, "-")
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	return streamID{a, b}, ok && err1 == nil && err2 == nil
}

func (a streamID) less(b streamID) bool { return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq) }
