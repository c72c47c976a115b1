package proxy

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeyedMutexSerialisesPerKeyAndForgets(t *testing.T) {
	k := newKeyedMutex()
	counters := map[string]int{"a": 0, "b": 0}
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		key := []string{"a", "b"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := k.Lock(key)
			v := counters[key] // unsynchronised read-modify-write, safe only under the key's lock
			counters[key] = v + 1
			unlock()
		}()
	}
	wg.Wait()
	require.Equal(t, map[string]int{"a": 100, "b": 100}, counters)
	require.Equal(t, 0, k.size(), "no entry kept after use")
}
