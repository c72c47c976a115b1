//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gc1 "github.com/gophercloud/gophercloud"
	openstack1 "github.com/gophercloud/gophercloud/openstack"
	keypairs1 "github.com/gophercloud/gophercloud/openstack/compute/v2/extensions/keypairs"
	limits1 "github.com/gophercloud/gophercloud/openstack/compute/v2/extensions/limits"
	flavors1 "github.com/gophercloud/gophercloud/openstack/compute/v2/flavors"
	images1 "github.com/gophercloud/gophercloud/openstack/compute/v2/images"
	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// openstackCLI runs the openstack CLI as the cloud's admin, as an
// operator would, and returns its output.
func openstackCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, _ := cliRun(t, nil, append([]string{"--os-cloud", "admin"}, args...)...)
	return string(out)
}

// takeOver points every compute endpoint of the catalog at url, with the
// README's commands, and returns the rollback, which also runs when the
// test ends (once): a failure half-way never leaves the catalog on a
// gateway about to close.
func takeOver(t *testing.T, url string) (rollback func()) {
	t.Helper()
	ids := strings.Fields(openstackCLI(t, "endpoint", "list", "--service", "compute", "-f", "value", "-c", "ID"))
	require.NotEmpty(t, ids, "compute endpoints in the catalog")
	old := map[string]string{}
	var once sync.Once
	rollback = func() {
		once.Do(func() {
			for id, u := range old {
				openstackCLI(t, "endpoint", "set", "--url", u, id)
			}
		})
	}
	t.Cleanup(rollback)
	for _, id := range ids {
		old[id] = strings.TrimSpace(openstackCLI(t, "endpoint", "show", id, "-f", "value", "-c", "url"))
		openstackCLI(t, "endpoint", "set", "--url", url, id)
	}
	return rollback
}

// passThroughs is how many requests the gateway passed to Nova.
func passThroughs(gw *faultGateway) int {
	return int(metricSum(gw.ops.URL, "imagegw_requests_total", `route="nova"`))
}

// imagegw registered as the compute endpoint with the README's commands,
// and unmodified clients with no endpoint override: gophercloud v1 and
// openstacksdk list flavors, keypairs, limits and images and create and
// delete a keypair, all through imagegw; the rollback restores Nova.
func TestComputeEndpointTakeover(t *testing.T) {
	gw := frontGateway(t, func(c *config.Config) { c.PublicURL = "" })
	nova := novaRoot(t)
	ensureFlavors(t, nova)
	rollback := takeOver(t, gw.URL+"/v2.1")
	before := passThroughs(gw)

	sc := catalogCompute(t, "demo")
	require.Equal(t, gw.URL+"/v2.1/", sc.Endpoint, "the catalog's compute endpoint")
	pages, err := flavors1.ListDetail(sc, nil).AllPages()
	require.NoError(t, err)
	fl, err := flavors1.ExtractFlavors(pages)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(fl), 3)
	lim, err := limits1.Get(sc, nil).Extract()
	require.NoError(t, err)
	require.Positive(t, lim.Absolute.MaxTotalKeypairs)
	name := "e2e-takeover-" + randomUUID()[:8]
	kp, err := keypairs1.Create(sc, keypairs1.CreateOpts{Name: name}).Extract()
	require.NoError(t, err)
	require.NotEmpty(t, kp.PrivateKey)
	pages, err = keypairs1.List(sc, nil).AllPages()
	require.NoError(t, err)
	kps, err := keypairs1.ExtractKeyPairs(pages)
	require.NoError(t, err)
	require.True(t, containsKeypair(kps, name))
	require.NoError(t, keypairs1.Delete(sc, name, nil).ExtractErr())
	pages, err = images1.ListDetail(sc, nil).AllPages()
	require.NoError(t, err)
	ims, err := images1.ExtractImages(pages)
	require.NoError(t, err)
	require.NotEmpty(t, ims)
	viaGophercloud := passThroughs(gw) - before
	require.GreaterOrEqual(t, viaGophercloud, 5, "gophercloud's flavor, limit and keypair calls passed through imagegw")

	out := runPython(t, sdkTakeover, "OS_CLIENT_CONFIG_FILE="+filepath.Join(world.dir, "clouds.yaml"), "KEYPAIR="+name+"-sdk")
	require.Contains(t, out, "compute endpoint "+gw.URL+"/v2.1", out)
	require.Contains(t, out, "ok", out)
	require.GreaterOrEqual(t, passThroughs(gw)-before-viaGophercloud, 5, "openstacksdk's calls passed through imagegw")

	rollback()
	require.Equal(t, nova+"/v2.1/", catalogCompute(t, "demo").Endpoint, "rolled back to Nova")
}

func containsKeypair(kps []keypairs1.KeyPair, name string) bool {
	for _, k := range kps {
		if k.Name == name {
			return true
		}
	}
	return false
}

// catalogCompute is gophercloud v1's compute client for user from the
// catalog alone (a new token: the catalog as it is now).
func catalogCompute(t *testing.T, user string) *gc1.ServiceClient {
	t.Helper()
	sc, err := openstack1.NewComputeV2(v1Provider(t, user, http.DefaultTransport), gc1.EndpointOpts{Region: "RegionOne"})
	require.NoError(t, err)
	return sc
}

// sdkTakeover is openstacksdk with the catalog alone (no
// compute_endpoint_override): the calls a legacy script makes.
const sdkTakeover = `
import os, openstack
conn = openstack.connect(cloud="demo")
print("compute endpoint", conn.compute.get_endpoint().rstrip("/"))
assert len(list(conn.compute.flavors())) >= 3
conn.compute.get_limits()
name = os.environ["KEYPAIR"]
kp = conn.compute.create_keypair(name=name)
assert kp.private_key
assert name in [k.name for k in conn.compute.keypairs()]
conn.compute.delete_keypair(name)
assert len(list(conn.compute.images())) > 0
print("ok")
`

// runPython runs a script with Debian's python3 and returns its output.
func runPython(t *testing.T, script string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", "-c", script)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}
