//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// Redis frozen, and killed and restarted empty, under two coordinated
// replicas with warm caches: reads keep answering what Glance holds (a
// replica out of step bypasses its cache), writes go on uncoordinated
// (best-effort), and once Redis is back the replicas are in step again
// without a restart, dropping what they cached across the gap.
func TestReplicasSurviveRedisFaults(t *testing.T) {
	rs := replicas(t, 2, true, nil)
	t.Cleanup(func() { cloudUp(t) })
	id := createImage(t, "demo", nil)
	md := "/v2.1/images/" + id + "/metadata"
	readsSee := func(value string) {
		t.Helper()
		for i, r := range rs {
			got := do(t, r.URL, "GET", md, "demo", nil, "")
			require.Equal(t, 200, got.Status, "replica %d", i)
			require.Contains(t, string(got.Body), `"k":"`+value+`"`, "replica %d", i)
		}
	}
	write := func(g *faultGateway, value string) {
		t.Helper()
		r := do(t, g.URL, "POST", md, "demo", jsonHdr, fmt.Sprintf(`{"metadata": {"k": %q}}`, value))
		require.Equal(t, 200, r.Status, string(r.Body))
	}
	for _, tc := range []struct {
		name         string
		fault, after func()
	}{
		{"SIGSTOP", func() { require.NoError(t, syscall.Kill(servicePID(t, "redis"), syscall.SIGSTOP)) },
			func() { require.NoError(t, syscall.Kill(servicePID(t, "redis"), syscall.SIGCONT)) }},
		{"SIGKILL, restarted empty", func() {
			pid := servicePID(t, "redis")
			require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
			require.Eventually(t, func() bool { return syscall.Kill(pid, 0) != nil }, 10*time.Second, 20*time.Millisecond)
		}, func() { cloudUp(t) }},
	} {
		write(rs[0], "before-"+tc.name)
		readsSee("before-" + tc.name) // both replicas have it cached
		tc.fault()
		inStep(t, "down", rs...)
		start := time.Now()
		write(rs[0], "during-"+tc.name) // best-effort: the write goes on
		t.Logf("%s: a write took %s without Redis", tc.name, time.Since(start))
		readsSee("during-" + tc.name) // rs[1] did not hear of it, and does not serve its cache
		tc.after()
		inStep(t, "in-step", rs...)
		readsSee("during-" + tc.name)
		write(rs[1], "after-"+tc.name) // coordinated again
		readsSee("after-" + tc.name)
	}
	body := string(do(t, rs[0].ops.URL, "GET", "/metrics", "", nil, "").Body)
	require.Regexp(t, `imagegw_coordination_uncoordinated_writes_total\{step="lock"\} [1-9]`, body)
	require.Regexp(t, `imagegw_coordination_sessions_lost_total\{reason="[a-z]+"\} [1-9]`, body)
	require.Regexp(t, `imagegw_coordination_flushes_total [2-9]`, body, "start, and back in step after each fault")
}

// coordination: strict answers Nova's 503 to a write Redis cannot
// coordinate; reads go on.
func TestStrictCoordinationRefusesUncoordinatedWrites(t *testing.T) {
	rs := replicas(t, 1, true, func(c *config.Config) { c.Coordination = config.CoordinationStrict })
	id := createImage(t, "demo", nil)
	md := "/v2.1/images/" + id + "/metadata"
	pid := servicePID(t, "redis")
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	inStep(t, "down", rs...)
	r := do(t, rs[0].URL, "POST", md, "demo", jsonHdr, `{"metadata": {"k": "v"}}`)
	require.Equal(t, 503, r.Status, string(r.Body))
	require.True(t, strings.Contains(string(r.Body), `"serviceUnavailable"`), string(r.Body))
	require.Equal(t, 503, do(t, rs[0].URL, "DELETE", "/v2.1/images/"+id, "demo", nil, "").Status)
	require.Equal(t, 200, do(t, rs[0].URL, "GET", md, "demo", nil, "").Status, "reads go on")
	require.NoError(t, syscall.Kill(pid, syscall.SIGCONT))
	inStep(t, "in-step", rs...)
	require.Equal(t, 200, do(t, rs[0].URL, "POST", md, "demo", jsonHdr, `{"metadata": {"k": "v"}}`).Status)
}

// readers reads what nobody writes (another image, its metadata) through
// every gateway until stop, comparing each answer with the uncached
// gateway's; it reports the answers that differed and the 5xx.
func readers(t *testing.T, gws []*faultGateway, id string) (stop func() (reads, diffs, errs int)) {
	t.Helper()
	paths := []string{"/v2.1/images/" + id, "/v2.1/images/" + id + "/metadata"}
	want := map[string]string{}
	for _, p := range paths {
		want[p] = string(do(t, world.gw.URL, "GET", p, "demo", nil, "").Body)
	}
	var reads, diffs, errs atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, g := range gws {
		host := g.URL // what its links name
		if g.cfg.PublicURL != "" {
			host = strings.TrimRight(g.cfg.PublicURL, "/")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				p := paths[i%len(paths)]
				code, body := rawGet(g.URL+p, world.tokens["demo"])
				reads.Add(1)
				if code >= 500 || code == 0 {
					errs.Add(1)
				} else if strings.ReplaceAll(body, host, world.gw.URL) != want[p] {
					diffs.Add(1)
				}
			}
		}()
	}
	var once sync.Once
	stopAll := func() { once.Do(func() { close(done); wg.Wait() }) }
	t.Cleanup(stopAll) // a test that fails before stop leaves no reader behind
	return func() (int, int, int) {
		stopAll()
		return int(reads.Load()), int(diffs.Load()), int(errs.Load())
	}
}

// rawGet is a read outside the test goroutine (no t.Fatal there).
func rawGet(url, token string) (int, string) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// A slow Redis (every byte from it 300 ms late, so no acknowledgement
// round fits the fence), a Redis frozen for 10 s, and one killed and
// restarted empty, under readers: no
// read fails or differs from an uncached imagegw, writes still succeed,
// and the replicas say they are not in step.
func TestReplicasUnderLoadWhileRedisIsSlowFrozenOrKilled(t *testing.T) {
	slow := delayedRelay(t, world.env["REDIS_URL"], 300*time.Millisecond)
	rs := replicas(t, 2, false, func(c *config.Config) { c.RedisURL = slow })
	other := createImage(t, "demo", map[string]any{"o": "1"})
	id := createImage(t, "demo", nil)
	stop := readers(t, rs, other)
	inStep(t, "down", rs...)
	r := do(t, rs[0].URL, "POST", "/v2.1/images/"+id+"/metadata", "demo", jsonHdr, `{"metadata": {"k": "slow"}}`)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Contains(t, string(do(t, rs[1].URL, "GET", "/v2.1/images/"+id+"/metadata", "demo", nil, "").Body), `"k":"slow"`)
	reads, diffs, errs := stop()
	t.Logf("slow Redis: %d reads, %d differed, %d failed", reads, diffs, errs)
	require.Zero(t, diffs+errs)
	require.Greater(t, reads, 50)

	frozen := replicas(t, 2, true, nil)
	t.Cleanup(func() { cloudUp(t) })
	stop = readers(t, frozen, other)
	pid := servicePID(t, "redis")
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	time.Sleep(10 * time.Second)
	r = do(t, frozen[1].URL, "POST", "/v2.1/images/"+id+"/metadata", "demo", jsonHdr, `{"metadata": {"k": "frozen"}}`)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Contains(t, string(do(t, frozen[0].URL, "GET", "/v2.1/images/"+id+"/metadata", "demo", nil, "").Body), `"k":"frozen"`)
	require.NoError(t, syscall.Kill(pid, syscall.SIGCONT))
	inStep(t, "in-step", frozen...)
	reads, diffs, errs = stop()
	t.Logf("Redis frozen 10 s: %d reads, %d differed, %d failed", reads, diffs, errs)
	require.Zero(t, diffs+errs)
	require.Greater(t, reads, 50)

	stop = readers(t, frozen, other)
	pid = servicePID(t, "redis")
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	inStep(t, "down", frozen...)
	r = do(t, frozen[0].URL, "POST", "/v2.1/images/"+id+"/metadata", "demo", jsonHdr, `{"metadata": {"k": "killed"}}`)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Contains(t, string(do(t, frozen[1].URL, "GET", "/v2.1/images/"+id+"/metadata", "demo", nil, "").Body), `"k":"killed"`)
	cloudUp(t) // restarted empty
	inStep(t, "in-step", frozen...)
	reads, diffs, errs = stop()
	t.Logf("Redis killed and restarted empty: %d reads, %d differed, %d failed", reads, diffs, errs)
	require.Zero(t, diffs+errs)
	require.Greater(t, reads, 50)
}
