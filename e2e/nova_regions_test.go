//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// Issue 18's regions: RegionTwo in the test Keystone with a Glance of its
// own (scripts/cloud/region2.sh, started once per run; TestMain stops it)
// and the cloud's nova-api under a second compute endpoint.

var region2 = &scriptService{script: "../scripts/cloud/region2.sh", timeout: 3 * time.Minute}

// regionTwo starts RegionTwo if it is not running and returns its Glance.
func regionTwo(t *testing.T) string {
	t.Helper()
	return region2.start(t, "REGION2_GLANCE_URL")["REGION2_GLANCE_URL"]
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
	twoID, _ := r.JSON(t)["id"].(string)
	require.NotEmpty(t, twoID)
	// region2.sh keeps its Glance's database from run to run
	t.Cleanup(func() { do(t, g2, "DELETE", "/v2/images/"+twoID, "demo", nil, "") })
	gw := frontGateway(t, func(c *config.Config) { c.RegionEntries = []string{"RegionOne /one", "RegionTwo /two"} })
	refActive := imageID(t, "ref-active")

	two := string(do(t, gw.URL, "GET", "/two/v2.1/images/detail", "demo", nil, "").Body)
	require.Contains(t, two, name)
	require.NotContains(t, two, refActive, "RegionOne's image in RegionTwo")
	require.Contains(t, two, publicBase+"/two/v2.1/")
	one := string(do(t, gw.URL, "GET", "/one/v2.1/images/detail", "demo", nil, "").Body)
	require.Contains(t, one, refActive)
	require.NotContains(t, one, name, "RegionTwo's image in RegionOne")
	require.Equal(t, 200, do(t, gw.URL, "GET", "/two/v2.1/images/"+twoID, "demo", nil, "").Status)
	require.Equal(t, 404, do(t, gw.URL, "GET", "/one/v2.1/images/"+twoID, "demo", nil, "").Status, "RegionTwo's image in RegionOne")
	require.Equal(t, 404, do(t, gw.URL, "GET", "/two/v2.1/images/"+refActive, "demo", nil, "").Status, "RegionOne's image in RegionTwo")

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
