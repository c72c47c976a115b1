package upstream

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Concurrent upstream calls reuse their connections: rounds of 8 parallel
// requests open 8 connections in all, not 6 more per round (Go's default
// keeps 2 idle connections per host).
func TestUpstreamClientReusesConnections(t *testing.T) {
	var opened atomic.Int64
	release := make(chan struct{})
	var arrived sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived.Done()
		<-release // hold every request of a round open at once
		_, _ = w.Write([]byte("ok"))
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := NewUpstreamClient(5 * time.Second)
	for round := 0; round < 3; round++ {
		arrived.Add(8)
		var done sync.WaitGroup
		for i := 0; i < 8; i++ {
			done.Add(1)
			go func() {
				defer done.Done()
				res, err := c.Get(srv.URL)
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					_ = res.Body.Close()
				}
			}()
		}
		arrived.Wait()
		for i := 0; i < 8; i++ {
			release <- struct{}{}
		}
		done.Wait()
	}
	require.EqualValues(t, 8, opened.Load(), "connections opened in 3 rounds of 8")
}
