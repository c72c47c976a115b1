package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLoadAgainstAFakeImagegw runs a short load phase (no progress row
// within it: the tail row only) against a server answering 404 to all.
func TestLoadAgainstAFakeImagegw(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.Header().Set("X-Compute-Request-Id", "req-1")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"itemNotFound": {"code": 404}}`))
	}))
	defer srv.Close()
	s := planSoak()
	s.o = options{target: srv.URL, pid: os.Getpid(), duration: 300 * time.Millisecond, rate: 50, workers: 4,
		interval: time.Second, seed: 1, timeout: 5 * time.Second, growthMiB: 10, growthPct: 20}
	s.client = srv.Client()
	for _, a := range s.accounts {
		a.token, a.at = "token-"+a.name, time.Now()
	}
	var stdout bytes.Buffer
	rep := s.load(context.Background(), func(string, ...any) {}, &stdout)

	require.Equal(t, 15, rep.scheduled)
	require.Equal(t, rep.scheduled, rep.sent)
	require.Len(t, rep.warmup, len(users))
	require.Equal(t, int64(rep.sent+len(users)), got.Load())
	total := 0
	for _, st := range rep.ops {
		total += st.count
	}
	require.Equal(t, rep.sent, total)
	require.NotEmpty(t, rep.rss)
	require.Len(t, rep.rows, 1, "the tail row")
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Equal(t, strings.Split(rowHeader, "\n"), lines[:2])
	require.Len(t, lines, 3)
	require.Contains(t, rep.notes, "warm-up failed for demo, alt, other, admin")
	require.Contains(t, rep.info[len(rep.info)-1], "client: ")
}
