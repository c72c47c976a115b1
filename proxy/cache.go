package proxy

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	gocache "github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"
)

// Cached is a final response: what a hit writes without any JSON work.
type Cached struct {
	ContentType string
	Body        []byte
	// Gen is the write-log sequence the entry was filled under (or last
	// found fresh at); a hit older than the newest write is served only if
	// none of the writes since affects scope.
	Gen atomic.Uint64
	// scope is what the answer depends on (see writeLog); held in the
	// entry, not behind a pointer: one allocation less per entry. The
	// zero scope (no Glance) is none: such an entry is never served after
	// a write.
	scope entryScope
	// contentLength is the Content-Length header value of Body, made at
	// the fill: a hit allocates none.
	contentLength []string
	// body is the MemCache's shared copy of Body (nil outside a MemCache).
	body *sharedBody
	// borrowed: the answer shows the caller another project's image it
	// sees only through sharing (translate.Borrowed); see trustBorrowed.
	borrowed bool
}

// entryOverhead is what an entry costs besides its key and body: the
// Cached struct (with its write-log stamp and scope) and go-cache's map
// slot and item (go test -bench CacheMemory ./proxy: 207 bytes of heap per
// entry with a shared body, its 32-byte key included).
const entryOverhead = 176

// bodyOverhead is what a body held once costs besides its bytes (the
// sharedBody, its Content-Length value and its slot in the bodies map:
// 1294 bytes of heap per entry of an 843-byte distinct body in the same
// benchmark).
const bodyOverhead = 240

// sharedBody is one response body held once for every entry with the same
// bytes: the same image or list seen by many projects (public and shared
// images), or through differently ordered queries, is stored once.
type sharedBody struct {
	sum  [sha256.Size]byte
	b    []byte
	cl   []string // its Content-Length header value, shared too
	refs int
}

// ResponseCache stores final responses. It is an interface so a shared
// backend (for many replicas) can replace the in-process one.
type ResponseCache interface {
	Get(key string) (*Cached, bool)
	// Set stores c for ttl; it reports false when the bounds refuse it.
	Set(key string, c *Cached, ttl time.Duration) bool
	Delete(key string)
	Stats() CacheStats
}

// CacheStats are counters for logs and metrics.
type CacheStats struct {
	Entries   int
	Bytes     int64
	Refused   uint64 // fills refused at the bounds
	Evictions uint64 // entries removed (expired or stale)
}

// MemCache is the in-process ResponseCache on go-cache, bounded by entries
// and bytes. At a bound it first drops expired entries, then refuses new
// ones: a full cache keeps serving its hot entries and memory stays flat
// whatever the number of distinct requests.
type MemCache struct {
	mu         sync.Mutex
	bodyMu     sync.Mutex // after mu when both are held
	bodies     map[[sha256.Size]byte]*sharedBody
	c          *gocache.Cache
	maxEntries int
	maxBytes   int64
	bytes      atomic.Int64
	refused    atomic.Uint64
	evictions  atomic.Uint64
	lastSweep  time.Time // under mu
}

// sweepEvery bounds how often a full cache scans for expired entries: the
// scan is O(entries) under the lock, and a full cache refuses often.
const sweepEvery = time.Second

// NewMemCache builds a bounded cache; the janitor removes expired entries
// every cleanup interval.
func NewMemCache(maxEntries int, maxBytes int64, cleanup time.Duration) *MemCache {
	m := &MemCache{c: gocache.New(gocache.NoExpiration, cleanup), maxEntries: maxEntries, maxBytes: maxBytes,
		bodies: map[[sha256.Size]byte]*sharedBody{}}
	m.c.OnEvicted(func(k string, v any) {
		m.release(k, v.(*Cached))
		m.evictions.Add(1)
	})
	return m
}

// share points c at the shared copy of its body (storing it when new) and
// returns the bytes the entry adds to the cache.
func (m *MemCache) share(key string, c *Cached) int64 {
	sum := sha256.Sum256(c.Body)
	m.bodyMu.Lock()
	defer m.bodyMu.Unlock()
	size := int64(len(key) + entryOverhead)
	sb, ok := m.bodies[sum]
	if !ok {
		sb = &sharedBody{sum: sum, b: c.Body, cl: c.contentLength}
		m.bodies[sum] = sb
		size += int64(len(c.Body) + bodyOverhead)
	}
	sb.refs++
	c.Body, c.body = sb.b, sb
	if sb.cl != nil {
		c.contentLength = sb.cl
	}
	return size + c.scopeBytes()
}

// scopeBytes is what the entry's scope holds besides the entry (a list's
// holdings: 8 bytes per image id).
func (c *Cached) scopeBytes() int64 {
	if c.scope.list == nil {
		return 0
	}
	return int64(48 + 8*len(c.scope.list.ids))
}

// release drops an entry's share of its body.
func (m *MemCache) release(key string, c *Cached) {
	size := int64(len(key)+entryOverhead) + c.scopeBytes()
	if sb := c.body; sb != nil {
		m.bodyMu.Lock()
		if sb.refs--; sb.refs == 0 {
			delete(m.bodies, sb.sum)
			size += int64(len(sb.b) + bodyOverhead)
		}
		m.bodyMu.Unlock()
	}
	m.bytes.Add(-size)
}

// newBytes is what storing body would add besides the entry itself.
func (m *MemCache) newBytes(body []byte) int64 {
	sum := sha256.Sum256(body)
	m.bodyMu.Lock()
	defer m.bodyMu.Unlock()
	if _, ok := m.bodies[sum]; ok {
		return 0
	}
	return int64(len(body) + bodyOverhead)
}

// Get implements ResponseCache.
func (m *MemCache) Get(key string) (*Cached, bool) {
	v, ok := m.c.Get(key)
	if !ok {
		return nil, false
	}
	return v.(*Cached), true
}

// Set implements ResponseCache. c must not be shared with another Set:
// its Body is replaced by the cache's shared copy of the same bytes.
func (m *MemCache) Set(key string, c *Cached, ttl time.Duration) bool {
	size := int64(len(key)+entryOverhead) + m.newBytes(c.Body) + c.scopeBytes()
	m.mu.Lock()
	defer m.mu.Unlock()
	_, live := m.c.Get(key)
	// A previous entry under key, live or expired but not yet swept, is
	// deleted first: go-cache's Set would overwrite it without OnEvicted,
	// and Delete runs OnEvicted (release) exactly once even when the
	// janitor sweeps it at the same moment.
	m.c.Delete(key)
	if !live && (m.c.ItemCount() >= m.maxEntries || m.bytes.Load()+size > m.maxBytes) {
		if now := time.Now(); now.Sub(m.lastSweep) >= sweepEvery {
			m.lastSweep = now
			m.c.DeleteExpired()
		}
		if m.c.ItemCount() >= m.maxEntries || m.bytes.Load()+size > m.maxBytes {
			m.refused.Add(1)
			return false
		}
	}
	m.bytes.Add(m.share(key, c))
	m.c.Set(key, c, ttl)
	return true
}

// Delete implements ResponseCache.
func (m *MemCache) Delete(key string) {
	m.mu.Lock()
	m.c.Delete(key) // OnEvicted accounts for it
	m.mu.Unlock()
}

// Stats implements ResponseCache.
func (m *MemCache) Stats() CacheStats {
	return CacheStats{Entries: m.c.ItemCount(), Bytes: m.bytes.Load(), Refused: m.refused.Load(), Evictions: m.evictions.Load()}
}

// responseCache is the server's read cache with singleflight.
type responseCache struct {
	store  ResponseCache
	writes *writeLog
	flight singleflight.Group
	ttl    map[cacheKind]time.Duration
}

type cacheKind int

const (
	kindList cacheKind = iota
	kindImage
	kindMetadata
)

// key builds the cache key of a read: the SHA-256 of everything that
// changes the response, never the token (32 bytes per entry instead of
// the ~200 it hashes; a collision would need a SHA-256 collision). The
// query is kept exactly as sent: parameter order matters even across
// names (type= and property-image_type= both set Glance's image_type, and
// the later one wins).
func cacheKey(kind cacheKind, k *request) string {
	bp := keyBuffers.Get().(*[]byte)
	b := append((*bp)[:0], byte('0'+kind), 0)
	// the application URL (links.App); with regions it carries the region's
	// prefix or public_url, so no region gets another's answer
	b = append(b, k.app[0]...)
	b = append(b, k.app[1]...)
	b = append(b, k.app[2]...)
	for _, part := range [...]string{k.contentType, k.path, k.identity.ProjectID} {
		b = append(b, 0)
		b = append(b, part...)
	}
	b = append(b, 0)
	for i, role := range k.identity.Roles { // sorted by Keystone.Validate
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, role...)
	}
	b = append(b, 0)
	b = append(b, k.glanceURL...)
	b = append(b, 0)
	b = append(b, k.query...)
	sum := sha256.Sum256(b)
	*bp = b
	keyBuffers.Put(bp)
	return string(sum[:])
}

var keyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// usable tells whether a cached entry may answer a read that started
// when head was the newest write, renewing its stamp when it may.
func (rc *responseCache) usable(c *Cached, head uint64) bool {
	g := c.Gen.Load()
	if g >= head { // filled after every write the reader knows of
		return true
	}
	if c.scope.glance == 0 || !rc.writes.fresh(&c.scope, g, head) {
		return false
	}
	c.Gen.CompareAndSwap(g, head) // the next hit needs no look at the log
	return true
}

// imageScope is the write-lock scope of an image (per Glance endpoint).
func imageScope(glanceURL, id string) string { return glanceURL + " " + id }
