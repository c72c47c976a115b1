package proxy

import (
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
)

// writeLogSize is how many recent writes the log remembers. An entry
// filled before the oldest of them can no longer be checked and is not
// served. 4096 writes are over three minutes of the 20 successful writes
// per second a single-worker Glance sustains, longer than any cache TTL.
const writeLogSize = 4096

// writeRec is one successful write through imagegw.
type writeRec struct {
	seq    uint64
	glance uint64 // scopeHash of the Glance endpoint; 0: any (a notification)
	image  uint64 // imageHash of the image
	delete bool   // an image delete (else a change of the image)
	// allLists: every list of the endpoint may have changed (a change
	// seen in a notification: visibility and membership may have moved
	// the image into lists that did not hold it).
	allLists bool
	// all: nothing cached before it is trusted (a gap in the
	// notifications).
	all bool
}

// writeLog makes writes visible to reads at once without keeping anything
// per image: it is a fixed ring of the last writes that changed something
// (a write Glance refused changes nothing and is not recorded). Every
// cached entry carries the sequence number it was filled (or last found
// fresh) under and what it depends on (entryScope); a hit newer than
// every write is served at once, an older one only if none of the writes
// since touched what it shows. Its memory is the ring, whatever the
// number of images or requests (issue 14: a map of every image id ever
// written grew without bound on failed deletes of made-up ids).
type writeLog struct {
	head atomic.Uint64 // seq of the newest write (0: none yet)
	mu   sync.RWMutex
	ring [writeLogSize]writeRec
	seed maphash.Seed
}

func newWriteLog() *writeLog { return &writeLog{seed: maphash.MakeSeed()} }

// scopeHash names a Glance endpoint; never 0, which is no scope.
func (l *writeLog) scopeHash(glanceURL string) uint64 { return maphash.String(l.seed, glanceURL) | 1 }

// imageHash names an image by its canonical id (the endpoint is matched
// apart: notifications do not name it). A collision only makes an entry
// stale early.
func (l *writeLog) imageHash(id string) uint64 { return maphash.String(l.seed, id) }

// record publishes a write through imagegw that changed the image; every
// read starting after it returns sees it.
func (l *writeLog) record(glanceURL, id string, isDelete bool) {
	l.publish(writeRec{glance: l.scopeHash(glanceURL), image: l.imageHash(id), delete: isDelete})
}

// recordEvent publishes a change Glance notified, at whatever endpoint
// imagegw reaches it.
func (l *writeLog) recordEvent(id string, isDelete, allLists bool) {
	l.publish(writeRec{image: l.imageHash(id), delete: isDelete, allLists: allLists})
}

// flush makes everything cached so far stale.
func (l *writeLog) flush() { l.publish(writeRec{all: true}) }

func (l *writeLog) publish(rec writeRec) {
	l.mu.Lock()
	rec.seq = l.head.Load() + 1
	l.ring[rec.seq%writeLogSize] = rec
	l.head.Store(rec.seq)
	l.mu.Unlock()
}

// entryScope is what a cached answer depends on.
type entryScope struct {
	glance uint64
	// image: the image of a show or metadata answer (0 for a list).
	image uint64
	// list: what a list answer holds (nil for a show or metadata answer,
	// which are most entries: three words each instead of six).
	list *listHolds
}

// listHolds is what a list answer depends on besides its Glance.
type listHolds struct {
	// ids: its images and its marker, sorted imageHashes.
	ids []uint64
	// filtered: its filters can admit or drop an image whose properties
	// change (translate.ListQuery.MetadataSensitive).
	filtered bool
}

// imageEntryScope is the scope of a show or metadata answer: its image.
func imageEntryScope(l *writeLog, glanceURL, image string) entryScope {
	return entryScope{glance: l.scopeHash(glanceURL), image: l.imageHash(image)}
}

// listScope is the scope of a list answer holding ids (and asked after
// marker).
func (l *writeLog) listScope(glanceURL, marker string, ids []string, filtered bool) *entryScope {
	holds := &listHolds{filtered: filtered, ids: make([]uint64, 0, len(ids)+1)}
	for _, id := range ids {
		holds.ids = append(holds.ids, l.imageHash(id))
	}
	if marker != "" {
		holds.ids = append(holds.ids, l.imageHash(marker))
	}
	slices.Sort(holds.ids)
	return &entryScope{glance: l.scopeHash(glanceURL), list: holds}
}

// affects tells whether a write can change an answer of scope sc.
func (sc *entryScope) affects(w *writeRec) bool {
	if w.all {
		return true
	}
	if w.glance != 0 && w.glance != sc.glance {
		return false
	}
	if sc.list == nil {
		return w.image == sc.image
	}
	if w.allLists {
		return true
	}
	if _, found := slices.BinarySearch(sc.list.ids, w.image); found {
		return true
	}
	// A metadata write can make the image match (or stop matching) a
	// filter; a delete only removes an image, from the lists holding it.
	return sc.list.filtered && !w.delete
}

// fresh tells whether no write in (from, to] affects sc. Writes that have
// left the ring count as affecting it.
func (l *writeLog) fresh(sc *entryScope, from, to uint64) bool {
	if from == to {
		return true
	}
	if from > to || to-from > writeLogSize {
		return false
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for seq := from + 1; seq <= to; seq++ {
		w := &l.ring[seq%writeLogSize]
		if w.seq != seq || sc.affects(w) {
			return false
		}
	}
	return true
}
