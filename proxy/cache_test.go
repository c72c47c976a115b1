package proxy

import (
	"bytes"
	"crypto/sha256"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func TestCacheHitsSkipGlanceAndNeverCrossProjects(t *testing.T) {
	s, fg := newTestServer(t, nil)
	a := get(s, "GET", "/v2.1/images/detail", "ta", "")
	require.Equal(t, 200, a.Code)
	require.Contains(t, a.Body.String(), "a-one")
	require.EqualValues(t, 1, fg.Calls.Load())

	again := get(s, "GET", "/v2.1/images/detail", "ta2", "") // other user, same project and roles
	require.Equal(t, a.Body.String(), again.Body.String())
	require.EqualValues(t, 1, fg.Calls.Load(), "a hit does not call Glance")
	require.Equal(t, "2.1", again.Header().Get("X-OpenStack-Nova-API-Version"), "version headers are per request")

	b := get(s, "GET", "/v2.1/images/detail", "tb", "")
	require.Contains(t, b.Body.String(), "b-one")
	require.NotContains(t, b.Body.String(), "a-one", "another project never gets project a's entry")
	require.EqualValues(t, 2, fg.Calls.Load())

	get(s, "GET", "/v2.1/images/detail", "tadmin", "")
	require.EqualValues(t, 3, fg.Calls.Load(), "another role set is another entry")

	// the query is part of the key as sent: order can change the answer
	// (type= and property-image_type= both set image_type, the later wins)
	get(s, "GET", "/v2.1/images?type=a&property-image_type=b", "ta", "")
	get(s, "GET", "/v2.1/images?property-image_type=b&type=a", "ta", "")
	require.EqualValues(t, 5, fg.Calls.Load())
	get(s, "GET", "/v2.1/images?type=a&property-image_type=b", "ta", "")
	require.EqualValues(t, 5, fg.Calls.Load())

	// the links follow the Host header: another host, another entry
	first := get(s, "GET", "/v2.1/images/a1", "ta", "")
	require.Contains(t, first.Body.String(), "http://gw.test/v2.1/images/a1")
	n := fg.Calls.Load()
	other := newReq("GET", "/v2.1/images/a1", "ta")
	other.Host = "other.test"
	rec := newRec()
	s.ServeHTTP(rec, other)
	require.Contains(t, rec.Body.String(), "http://other.test/v2.1/images/a1")
	require.NotContains(t, rec.Body.String(), "gw.test")
	require.Equal(t, n+1, fg.Calls.Load(), "not served from gw.test's entry")
}

func TestWritesInvalidateBeforeResponding(t *testing.T) {
	s, fg := newTestServer(t, nil)
	require.Contains(t, get(s, "GET", "/v2.1/images/a1/metadata", "ta", "").Body.String(), `"k":"v"`)
	require.Contains(t, get(s, "GET", "/v2.1/images/detail", "ta", "").Body.String(), `"k":"v"`)
	n := fg.Calls.Load()
	r := get(s, "POST", "/v2.1/images/a1/metadata", "ta", `{"metadata": {"k2": "v2"}}`)
	require.Equal(t, 200, r.Code, r.Body.String())
	require.Contains(t, get(s, "GET", "/v2.1/images/a1/metadata", "ta", "").Body.String(), `"k2":"v2"`)
	require.Contains(t, get(s, "GET", "/v2.1/images/detail", "ta", "").Body.String(), `"k2":"v2"`)
	require.Greater(t, fg.Calls.Load(), n+2, "both reads went to Glance again")

	require.Equal(t, 204, get(s, "DELETE", "/v2.1/images/a1", "ta", "").Code)
	require.NotContains(t, get(s, "GET", "/v2.1/images/detail", "ta", "").Body.String(), "a1")
	require.Equal(t, 404, get(s, "GET", "/v2.1/images/a1", "ta", "").Code)
}

func TestConcurrentMissesShareOneCall(t *testing.T) {
	s, fg := newTestServer(t, nil)
	fg.Block = make(chan struct{})
	var wg sync.WaitGroup
	bodies := make([]string, 16)
	for i := range bodies {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			bodies[i] = get(s, "GET", "/v2.1/images", "ta", "").Body.String()
		}(i)
	}
	time.Sleep(100 * time.Millisecond) // let every request reach the flight
	close(fg.Block)
	wg.Wait()
	require.EqualValues(t, 1, fg.Calls.Load())
	for _, b := range bodies {
		require.Equal(t, bodies[0], b)
	}
}

func TestCacheDisabledPerKind(t *testing.T) {
	s, fg := newTestServer(t, func(c *config.Config) { c.CacheTTLList = 0 })
	get(s, "GET", "/v2.1/images", "ta", "")
	get(s, "GET", "/v2.1/images", "ta", "")
	require.EqualValues(t, 2, fg.Calls.Load(), "lists uncached")
	get(s, "GET", "/v2.1/images/a1", "ta", "")
	get(s, "GET", "/v2.1/images/a1", "ta", "")
	require.EqualValues(t, 3, fg.Calls.Load(), "images still cached")
}

func TestMemCacheBounds(t *testing.T) {
	m := NewMemCache(3, 1<<20, time.Hour)
	for i, k := range []string{"a", "b", "c"} {
		require.True(t, m.Set(k, &Cached{Body: []byte{byte(i)}}, time.Hour))
	}
	require.False(t, m.Set("d", &Cached{}, time.Hour), "full: refused")
	require.True(t, m.Set("a", &Cached{Body: []byte("new")}, time.Hour), "replacing an entry is fine")
	m.Delete("b")
	require.True(t, m.Set("d", &Cached{}, time.Hour))
	st := m.Stats()
	require.Equal(t, 3, st.Entries)
	require.EqualValues(t, 1, st.Refused)

	// expired entries make room first
	m2 := NewMemCache(2, 1<<20, time.Hour)
	require.True(t, m2.Set("x", &Cached{}, time.Millisecond))
	require.True(t, m2.Set("y", &Cached{}, time.Millisecond))
	time.Sleep(5 * time.Millisecond)
	require.True(t, m2.Set("z", &Cached{}, time.Hour))
	require.Equal(t, 1, m2.Stats().Entries)

	// bytes bound
	m3 := NewMemCache(100, 1200, time.Hour) // one 700-byte body and its overheads
	require.True(t, m3.Set("big", &Cached{Body: bytes.Repeat([]byte("a"), 700)}, time.Hour))
	require.False(t, m3.Set("big2", &Cached{Body: bytes.Repeat([]byte("b"), 700)}, time.Hour))
	m3.Delete("big")
	require.EqualValues(t, 0, m3.Stats().Bytes)
}

// TestMemCacheFlatUnderManyKeys: a flood of distinct requests cannot grow
// the cache past its bounds.
func TestMemCacheFlatUnderManyKeys(t *testing.T) {
	m := NewMemCache(1000, 256<<10, time.Hour)
	for i := 0; i < 200000; i++ {
		m.Set(strings.Repeat("k", 20)+string(rune(i)), &Cached{Body: make([]byte, 100)}, time.Hour)
	}
	st := m.Stats()
	require.LessOrEqual(t, st.Entries, 1000)
	require.LessOrEqual(t, st.Bytes, int64(256<<10))
}

func BenchmarkCacheHitDetail(b *testing.B) {
	s, _ := newTestServer(b, nil)
	get(s, "GET", "/v2.1/images/detail", "ta", "")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := get(s, "GET", "/v2.1/images/detail", "ta", "")
		if r.Code != 200 {
			b.Fatal(r.Code)
		}
	}
}

// Entries with the same body bytes hold one copy, counted once; the copy
// lives while any entry uses it (delete, replace, expiry).
func TestMemCacheSharesIdenticalBodies(t *testing.T) {
	body := func(s string) []byte { return []byte(strings.Repeat(s, 100)) }
	over := func(key string) int64 { return int64(len(key) + entryOverhead) }
	m := NewMemCache(100, 1<<20, time.Hour)
	require.True(t, m.Set("k1", &Cached{Body: body("x")}, time.Hour))
	require.True(t, m.Set("k2", &Cached{Body: body("x")}, time.Hour))
	require.True(t, m.Set("k3", &Cached{Body: body("y")}, time.Hour))
	require.Equal(t, over("k1")+over("k2")+over("k3")+200+2*bodyOverhead, m.Stats().Bytes)
	require.Len(t, m.bodies, 2)
	a, _ := m.Get("k1")
	b, _ := m.Get("k2")
	require.Same(t, &a.Body[0], &b.Body[0], "one copy")

	m.Delete("k1")
	got, ok := m.Get("k2")
	require.True(t, ok)
	require.Equal(t, body("x"), got.Body)
	require.Equal(t, over("k2")+over("k3")+200+2*bodyOverhead, m.Stats().Bytes)

	// replacing k2's body releases the old one
	require.True(t, m.Set("k2", &Cached{Body: body("y")}, time.Hour))
	require.Len(t, m.bodies, 1)
	require.Equal(t, over("k2")+over("k3")+100+bodyOverhead, m.Stats().Bytes)

	// expiry releases too
	require.True(t, m.Set("k4", &Cached{Body: body("z")}, time.Millisecond))
	time.Sleep(5 * time.Millisecond)
	m.c.DeleteExpired()
	m.Delete("k2")
	m.Delete("k3")
	require.Zero(t, m.Stats().Bytes)
	require.Empty(t, m.bodies)
}

// BenchmarkCacheMemory reports the Go heap each held entry costs, for
// 843-byte bodies (make bench's show response) that are all the same
// (one public image under many keys) or all different.
func BenchmarkCacheMemory(b *testing.B) {
	const n = 50000
	for _, distinct := range []bool{false, true} {
		name := "same-body"
		if distinct {
			name = "distinct-bodies"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				m := NewMemCache(n, 1<<40, time.Hour)
				w := newWriteLog()
				for j := 0; j < n; j++ {
					body := bytes.Repeat([]byte("x"), 843)
					if distinct {
						copy(body, strconv.Itoa(j))
					}
					sum := sha256.Sum256([]byte(strconv.Itoa(j)))
					// as a fill stores a show: its Content-Length and image scope
					c := &Cached{ContentType: "application/json", Body: body, contentLength: []string{strconv.Itoa(len(body))}}
					c.scope = imageEntryScope(w, "http://glance.test", strconv.Itoa(j))
					m.Set(string(sum[:]), c, time.Hour)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-bytes/entry")
				b.ReportMetric(float64(m.Stats().Bytes)/n, "accounted-bytes/entry")
				runtime.KeepAlive(m)
			}
		})
	}
}

// Replacing entries while the janitor expires them never releases a body
// twice: the accounting returns to zero and the body map empties.
func TestMemCacheReplaceRacesExpiry(t *testing.T) {
	m := NewMemCache(1000, 1<<30, time.Millisecond) // janitor every 1 ms
	defer m.c.Flush()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 3000; i++ {
				key := strconv.Itoa(i % 7)
				m.Set(key, &Cached{Body: []byte(strings.Repeat("b", 50+i%3))}, time.Duration(i%3)*time.Millisecond+time.Microsecond)
			}
		}(w)
	}
	wg.Wait()
	time.Sleep(20 * time.Millisecond)
	m.c.DeleteExpired()
	for i := 0; i < 7; i++ {
		m.Delete(strconv.Itoa(i))
	}
	require.Zero(t, m.Stats().Bytes)
	require.Empty(t, m.bodies)
	for _, sb := range m.bodies {
		require.Positive(t, sb.refs)
	}
}
