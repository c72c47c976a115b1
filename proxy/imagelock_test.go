package proxy

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeyedMutexSerialisesPerKeyAndForgets(t *testing.T) {
	k := newKeyedMutex()
	a, b := 0, 0
	counters := map[string]*int{"a": &a, "b": &b} // read-only map; each counter guarded by its key's lock
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		key := []string{"a", "b"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := k.Lock(key)
			p := counters[key]
			v := *p // unsynchronised read-modify-write, safe only under the key's lock
			*p = v + 1
			unlock()
		}()
	}
	wg.Wait()
	require.Equal(t, 100, a)
	require.Equal(t, 100, b)
	require.Equal(t, 0, k.size(), "no entry kept after use")
}
