//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// Issue 18's regions: RegionTwo in the test Keystone with a Glance of its
// own (scripts/cloud/region2.sh, started once per run; stopRegion2 ends
// it) and the cloud's nova-api under a second compute endpoint.

var region2 struct {
	sync.Mutex
	started bool // a start was tried: stop what it may have left
	glance  string
}

// regionTwo starts RegionTwo if it is not running and returns its Glance.
func regionTwo(t *testing.T) string {
	t.Helper()
	region2.Lock()
	defer region2.Unlock()
	region2.started = true
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "../scripts/cloud/region2.sh", "start")
	cmd.Env = append(os.Environ(), "IMAGEGW_CLOUD_DIR="+world.dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	_, u, ok := strings.Cut(string(out), "REGION2_GLANCE_URL=")
	require.True(t, ok, string(out))
	region2.glance = strings.TrimSpace(u)
	return region2.glance
}

// stopRegion2 stops RegionTwo's Glance if a test started it.
func stopRegion2() {
	if !region2.started {
		return
	}
	cmd := exec.Command("bash", "../scripts/cloud/region2.sh", "stop")
	cmd.Env = append(os.Environ(), "IMAGEGW_CLOUD_DIR="+world.dir)
	_ = cmd.Run()
}

// One imagegw for RegionOne under /one and RegionTwo under /two, Glance
// from each caller's catalog for that region: each region's callers see
// that region's images alone, links name the region's prefix (Nova's
// too, through the pass-through), and a path under no region is a 404.
func TestRegionsFromOneGateway(t *testing.T) {
	g2 := regionTwo(t)
	name := "e2e-region-two-" + randomUUID()[:8]
	r := do(t, g2, "POST", "/v2/images", "demo", map[string]string{"Content-Type": "application/json"},
		fmt.Sprintf(`{"name": %q, "disk_format": "raw", "container_format": "bare"}`, name))
	require.Equal(t, 201, r.Status, string(r.Body))
	gw := frontGateway(t, func(c *config.Config) { c.RegionEntries = []string{"RegionOne /one", "RegionTwo /two"} })
	refActive := imageID(t, "ref-active")

	two := string(do(t, gw.URL, "GET", "/two/v2.1/images/detail", "demo", nil, "").Body)
	require.Contains(t, two, name)
	require.NotContains(t, two, refActive, "RegionOne's image in RegionTwo")
	require.Contains(t, two, publicBase+"/two/v2.1/")
	one := string(do(t, gw.URL, "GET", "/one/v2.1/images/detail", "demo", nil, "").Body)
	require.Contains(t, one, refActive)
	require.NotContains(t, one, name, "RegionTwo's image in RegionOne")
	require.Equal(t, 404, do(t, gw.URL, "GET", "/one/v2.1/images/"+refActive+"x", "demo", nil, "").Status)
	require.Equal(t, 404, do(t, gw.URL, "GET", "/two/v2.1/images/"+refActive, "demo", nil, "").Status)

	for _, p := range []string{"/v2.1/images", "/three/v2.1/flavors", "/"} {
		r := do(t, gw.URL, "GET", p, "demo", nil, "")
		require.Equal(t, 404, r.Status, p)
		require.Contains(t, string(r.Body), "No region of this compute endpoint is served under", p)
	}
	ensureFlavors(t, novaRoot(t))
	fl := do(t, gw.URL, "GET", "/two/v2.1/flavors?limit=1", "demo", nil, "")
	require.Equal(t, 200, fl.Status, string(fl.Body))
	require.Contains(t, string(fl.Body), publicBase+"/two/v2.1/", "Nova's links under the region's prefix")
	require.NotContains(t, string(fl.Body), hostOf(t, novaRoot(t)))
}
