//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The openstack CLI (python3-openstackclient) has no command that reaches
// the compute images API: its `image` commands use Glance even when the
// compute endpoint is imagegw; the compute group only has `server image
// create` (a server action) and `aggregate cache image`.
func TestLegacyClientOpenstackCLI(t *testing.T) {
	t.Run("no compute image commands", cliNoComputeImageCommands)
	t.Run("image commands use Glance, not the compute endpoint", cliImageCommandsUseGlance)
}

func cliRun(t *testing.T, env []string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/openstack", args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("openstack %s: %v (run scripts/clients/install.sh?)\n%s", strings.Join(args, " "), err, e.Bytes())
	}
	return o.Bytes(), e.Bytes()
}

func cliNoComputeImageCommands(t *testing.T) {
	out, _ := cliRun(t, nil, "command", "list", "-f", "json")
	var groups []struct {
		Group    string   `json:"Command Group"`
		Commands []string `json:"Commands"`
	}
	require.NoError(t, json.Unmarshal(out, &groups))
	var computeImage, imageCmds []string
	for _, g := range groups {
		for _, c := range g.Commands {
			switch {
			case strings.HasPrefix(g.Group, "openstack.compute") && strings.Contains(c, "image"):
				computeImage = append(computeImage, c)
			case strings.HasPrefix(g.Group, "openstack.image") && strings.HasPrefix(c, "image "):
				imageCmds = append(imageCmds, c)
			}
		}
	}
	sort.Strings(computeImage)
	require.Equal(t, []string{"aggregate cache image", "server image create"}, computeImage)
	require.Subset(t, imageCmds, []string{"image list", "image show", "image delete", "image set"})
}

func cliImageCommandsUseGlance(t *testing.T) {
	path := cliCloudsYAML(t)
	active := imageID(t, "ref-active")
	stdout, stderr := cliRun(t, []string{"OS_CLIENT_CONFIG_FILE=" + path},
		"--os-cloud", "demo-imagegw", "--debug", "image", "show", active, "-f", "json")
	var shown map[string]any
	require.NoError(t, json.Unmarshal(stdout, &shown), string(stdout))
	require.Equal(t, active, shown["id"])
	require.Equal(t, "ref-active", shown["name"])
	require.Equal(t, "active", shown["status"], "Glance's status, not Nova's ACTIVE")
	var urls []string
	for _, line := range strings.Split(string(stderr), "\n") {
		if strings.HasPrefix(line, "REQ: curl") {
			urls = append(urls, line)
		}
	}
	require.NotEmpty(t, urls)
	for _, u := range urls {
		require.NotContains(t, u, world.gw.URL, "no request to imagegw")
	}
	require.True(t, strings.Contains(strings.Join(urls, "\n"), world.glance+"/v2/images/"+active), "%s", strings.Join(urls, "\n"))
}

// cliCloudsYAML copies demo's clouds.yaml entry with compute pointed at
// imagegw (as demo-imagegw): a CLI that sent image calls to the compute
// endpoint would then show imagegw in its --debug requests.
func cliCloudsYAML(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(world.dir, "clouds.yaml"))
	require.NoError(t, err)
	var cfg map[string]map[string]map[string]any
	require.NoError(t, yaml.Unmarshal(b, &cfg))
	demo := cfg["clouds"]["demo"]
	demo["compute_endpoint_override"] = world.gw.URL + "/v2.1"
	demo["compute_api_version"] = "2.35"
	out, err := yaml.Marshal(map[string]any{"clouds": map[string]any{"demo-imagegw": demo}})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "clouds.yaml")
	require.NoError(t, os.WriteFile(path, out, 0o600))
	return path
}
