package proxy

import (
	"strconv"
	"strings"
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
	// Gen is the generation the entry was filled under; an entry is only
	// served while its scope's generation is unchanged.
	Gen uint64
}

func (c *Cached) size(key string) int64 {
	return int64(len(key) + len(c.Body) + len(c.ContentType) + 128)
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
	m := &MemCache{c: gocache.New(gocache.NoExpiration, cleanup), maxEntries: maxEntries, maxBytes: maxBytes}
	m.c.OnEvicted(func(k string, v any) {
		m.bytes.Add(-v.(*Cached).size(k))
		m.evictions.Add(1)
	})
	return m
}

// Get implements ResponseCache.
func (m *MemCache) Get(key string) (*Cached, bool) {
	v, ok := m.c.Get(key)
	if !ok {
		return nil, false
	}
	return v.(*Cached), true
}

// Set implements ResponseCache.
func (m *MemCache) Set(key string, c *Cached, ttl time.Duration) bool {
	size := c.size(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.c.Get(key); ok { // replaced: account for the old entry
		m.bytes.Add(-old.(*Cached).size(key))
	} else if m.c.ItemCount() >= m.maxEntries || m.bytes.Load()+size > m.maxBytes {
		if now := time.Now(); now.Sub(m.lastSweep) >= sweepEvery {
			m.lastSweep = now
			m.c.DeleteExpired()
		}
		if m.c.ItemCount() >= m.maxEntries || m.bytes.Load()+size > m.maxBytes {
			m.refused.Add(1)
			return false
		}
	}
	m.c.Set(key, c, ttl)
	m.bytes.Add(size)
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

// generations make writes visible to reads at once: a write to an image
// bumps the generation of every list and of that image; entries filled
// under an older generation are never served, and a fill that started
// before a write is stored under the old generation, so it is dead too.
type generations struct {
	lists  atomic.Uint64
	mu     sync.RWMutex
	images map[imageRef]uint64
}

// imageRef is an image of one Glance endpoint (a struct key: no string
// to build on every cache lookup).
type imageRef struct{ glance, id string }

func newGenerations() *generations { return &generations{images: map[imageRef]uint64{}} }

// current is the generation of the lists (image nil) or of an image.
func (g *generations) current(image *imageRef) uint64 {
	if image == nil {
		return g.lists.Load()
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.images[*image]
}

// bump invalidates the lists and one image. The image's generation moves
// first: a reader that sees the new list generation also sees it.
func (g *generations) bump(image imageRef) {
	g.mu.Lock()
	g.images[image]++
	g.mu.Unlock()
	g.lists.Add(1)
}

// responseCache is the server's read cache with singleflight.
type responseCache struct {
	store  ResponseCache
	gens   *generations
	flight singleflight.Group
	ttl    map[cacheKind]time.Duration
}

type cacheKind int

const (
	kindList cacheKind = iota
	kindImage
	kindMetadata
)

// key builds the cache key of a read: everything that changes the
// response, never the token. The query is kept exactly as sent: parameter
// order matters even across names (type= and property-image_type= both
// set Glance's image_type, and the later one wins).
func cacheKey(kind cacheKind, k *call) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString(strconv.Itoa(int(kind)))
	b.WriteByte('\x00')
	b.WriteString(k.app[0]) // the application URL (links.App)
	b.WriteString(k.app[1])
	b.WriteString(k.app[2])
	for _, part := range []string{k.contentType, k.path, k.id.ProjectID, k.id.RoleKey(), k.glanceURL} {
		b.WriteByte('\x00')
		b.WriteString(part)
	}
	b.WriteByte('\x00')
	b.WriteString(k.query)
	return b.String()
}

// imageScope is the generation scope of an image (per Glance endpoint).
func imageScope(glanceURL, id string) string { return glanceURL + " " + id }
