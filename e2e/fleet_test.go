//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Issue 17 behind a real load balancer: scripts/fleet.sh starts three
// imagegw binaries coordinated through the cloud's Redis and HAProxy
// (deploy/haproxy.cfg) in front of them, once per run; stopFleet ends it.

// The fleet's loopback ports (not make run's 8774/8781…, nor the e2e
// cloud's nova-api on 28774).
const fleetListen, fleetBase, fleetOps = "127.0.0.1:28776", 28780, 29780

var fleetOnce struct {
	sync.Once
	err error
}

func fleetEnv() []string {
	return append(os.Environ(), "IMAGEGW_CLOUD_DIR="+world.dir, "FLEET_LISTEN="+fleetListen,
		fmt.Sprintf("FLEET_BASE_PORT=%d", fleetBase), fmt.Sprintf("FLEET_OPS_BASE=%d", fleetOps))
}

// fleet (re)starts what of the fleet is not running and returns
// HAProxy's URL.
func fleet(t *testing.T) string {
	t.Helper()
	fleetOnce.Do(func() {
		out, err := exec.Command("go", "build", "-o", "../bin/imagegw", "../cmd/imagegw").CombinedOutput()
		if err != nil {
			fleetOnce.err = fmt.Errorf("%v: %s", err, out)
		}
	})
	require.NoError(t, fleetOnce.err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "../scripts/fleet.sh", "start", "3")
	cmd.Env = fleetEnv()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	base := "http://" + fleetListen
	for i := 1; i <= 3; i++ { // every replica in step
		readyzSays(t, "redis", "in-step", fmt.Sprintf("http://127.0.0.1:%d", fleetOps+i))
	}
	time.Sleep(time.Second) // and in HAProxy's rotation: rise 2 × fastinter 250 ms
	return base
}

// stopFleet stops the fleet if a test started it.
func stopFleet() {
	cmd := exec.Command("bash", "../scripts/fleet.sh", "stop")
	cmd.Env = fleetEnv()
	_ = cmd.Run()
}

// replicaPID is the PID fleet.sh recorded for replica i.
func replicaPID(t *testing.T, i int) int { return servicePID(t, fmt.Sprintf("imagegw-%d", i)) }

// A replica killed (SIGKILL) under a read load through HAProxy: no client
// sees an error beyond the requests in flight on it (HAProxy retries a
// read whose connection fails on another replica), and fleet.sh brings it
// back.
func TestFleetRoutesAroundADeadReplica(t *testing.T) {
	base := fleet(t)
	for range 3 { // each replica's cache warm (round robin): cold misses took 3 s once
		require.Equal(t, 200, do(t, base, "GET", "/v2.1/images", "demo", nil, "").Status)
	}
	var ok, failed atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if code, _ := rawGet(base+"/v2.1/images", world.tokens["demo"]); code == 200 {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Second)
	require.NoError(t, syscall.Kill(replicaPID(t, 2), syscall.SIGKILL))
	time.Sleep(2 * time.Second)
	stop()
	wg.Wait()
	t.Logf("reads through HAProxy while replica 2 was killed: %d ok, %d failed", ok.Load(), failed.Load())
	require.LessOrEqual(t, failed.Load(), int64(4), "errors beyond the requests in flight on the dead replica")
	require.Greater(t, ok.Load(), int64(100))
	fleet(t) // back to three
}

// The randomized multi-project test of e2e/cache_test.go through HAProxy
// (round robin over three replicas with 10 min caches): every read, by the
// owner, a member, a stranger and an admin, equals an uncached imagegw's,
// whichever replica served it and whichever made the writes before it.
func TestFleetNeverLeaksNorServesStale(t *testing.T) {
	base := fleet(t)
	compared, writes := compareRandomized(t, base, 700, 20261201)
	require.GreaterOrEqual(t, compared+writes, 500)
	require.Greater(t, writes, 100)
}

// A replica SIGKILLed while it holds an image's write lease (its Glance
// PATCH hangs): the image is writable through the fleet again within one
// lease (5 s), and not before the lease ran out.
func TestFleetLeaseOfAKilledWriterExpires(t *testing.T) {
	base := fleet(t)
	px := newFaultProxy(t, world.glance)
	entered := make(chan struct{}, 1)
	px.inject(&injection{name: "PATCH hangs", match: func(r *http.Request) bool { return r.Method == "PATCH" },
		serve: func(_ *faultProxy, _ int64, _ http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			<-r.Context().Done()
		}})
	ops := freeAddr(t)
	b := startBinary(t, nil, "IMAGEGW_REDIS_URL="+world.env["REDIS_URL"], "IMAGEGW_GLANCE_URL="+px.URL,
		"IMAGEGW_OPERATOR_LISTEN="+ops)
	readyzSays(t, "redis", "in-step", "http://"+ops)
	id := createImage(t, "demo", nil)
	go func() { // held in its PATCH, holding the lease, until the process dies
		req, _ := http.NewRequest("PUT", b.base+"/v2.1/images/"+id+"/metadata/k1", strings.NewReader(`{"meta": {"k1": "v"}}`))
		req.Header.Set("X-Auth-Token", world.tokens["demo"])
		req.Header.Set("Content-Type", "application/json")
		if r, err := http.DefaultClient.Do(req); err == nil {
			r.Body.Close()
		}
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the write never reached Glance")
	}
	require.NoError(t, b.cmd.Process.Signal(syscall.SIGKILL))
	start := time.Now()
	r := do(t, base, "PUT", "/v2.1/images/"+id+"/metadata/k2", "demo", jsonHdr, `{"meta": {"k2": "v"}}`)
	waited := time.Since(start)
	require.Equal(t, 200, r.Status, string(r.Body))
	t.Logf("a write through the fleet waited %s for the dead replica's lease", waited)
	require.Less(t, waited, 5*time.Second+2*time.Second, "within one lease")
	require.Greater(t, waited, 3*time.Second, "the lease held: the write waited for it")
}
