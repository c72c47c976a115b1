//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/conformance/probe"
)

// The probe (imagegw-conformance probe) as someone testing their own cloud
// runs it: the binary, an ordinary user of the cloud's clouds.yaml (demo)
// and a second one in another project (alt), against the real nova-api
// and against imagegw. The probe's own claims (nothing left, nothing else
// touched) are checked independently with the admin's view of Glance.

var conformanceBin struct {
	once sync.Once
	path string
	err  error
}

// probeBinary builds cmd/imagegw-conformance once per test run.
func probeBinary(t *testing.T) string {
	t.Helper()
	conformanceBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "imagegw-conformance-")
		if err != nil {
			conformanceBin.err = err
			return
		}
		conformanceBin.path = filepath.Join(dir, "imagegw-conformance")
		out, err := exec.Command("go", "build", "-o", conformanceBin.path, "../cmd/imagegw-conformance").CombinedOutput()
		if err != nil {
			conformanceBin.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	require.NoError(t, conformanceBin.err)
	return conformanceBin.path
}

// probeCmd is the probe command for target, its reports in dir.
func probeCmd(t *testing.T, target, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(probeBinary(t), "probe", "--os-cloud", "demo", "--second-cloud", "alt", "--target", target,
		"--json", filepath.Join(dir, "probe.json"), "--junit", filepath.Join(dir, "probe.xml"),
		"--html", filepath.Join(dir, "probe.html"), "--transcripts", filepath.Join(dir, "transcripts.txt"))
	cmd.Env = append(os.Environ(), "OS_CLIENT_CONFIG_FILE="+filepath.Join(world.dir, "clouds.yaml"))
	return cmd
}

// adminView is every image the admin sees, before or after a run.
func adminView(t *testing.T) probe.Inventory {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := conformance.Login(ctx, "admin", time.Minute)
	require.NoError(t, err)
	inv, err := probe.TakeInventory(ctx, admin, "\x00") // leaves nothing out: no name starts with NUL
	require.NoError(t, err)
	return inv
}

var runIDRE = regexp.MustCompile(`fixtures of run (\S+): (\d+) created, \d+ removed by the cleanup, (\d+) left`)

// probeOutcome is the JSON report and the run's footprint line.
type probeOutcome struct {
	Counts   map[string]int `json:"counts"`
	Outcomes []struct {
		Case       string   `json:"case"`
		Status     string   `json:"status"`
		Deviations []string `json:"deviations"`
	} `json:"outcomes"`
	run, created, left string
	stdout             string
}

// runProbe runs the probe binary to its end and checks what every run
// must leave: nothing of its own, and the admin's view of Glance as it was.
func runProbe(t *testing.T, target string, wantExit int) (probeOutcome, string) {
	t.Helper()
	dir := t.TempDir()
	before := adminView(t)
	cmd := probeCmd(t, target, dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	require.Equal(t, wantExit, code, "exit status\n%s\n%s", stdout.String(), stderr.String())
	var o probeOutcome
	b, err := os.ReadFile(filepath.Join(dir, "probe.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &o))
	m := runIDRE.FindStringSubmatch(stdout.String())
	require.NotNil(t, m, stdout.String())
	o.run, o.created, o.left, o.stdout = m[1], m[2], m[3], stdout.String()
	require.Equal(t, "0", o.left)
	require.Contains(t, o.stdout, "identical after it")
	require.Empty(t, before.Changes(adminView(t)), "the admin sees exactly the images of before the run")
	return o, dir
}

// demoCases is what demo runs: every case but the public image's, which
// Glance does not let a member create (the report must say so).
func demoCases(t *testing.T, o probeOutcome) int {
	t.Helper()
	require.Contains(t, o.stdout, "not run: public image cases: the user may not create public images (Glance: 403)")
	n := 0
	for _, c := range probe.AllCases() {
		if !strings.HasSuffix(c.Name, "/"+probe.RolePublic) {
			n++
		}
	}
	require.Len(t, o.Outcomes, n)
	return n
}

func TestProbeAgainstNova(t *testing.T) {
	o, dir := runProbe(t, novaRoot(t), 0)
	n := demoCases(t, o)
	require.Equal(t, map[string]int{"pass": n}, o.Counts, "every case passes against the real Nova")
	var junit struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "probe.xml"))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(b, &junit))
	require.Equal(t, n, junit.Tests)
	require.Zero(t, junit.Failures)
	t.Logf("nova-api: %d cases pass; %s fixtures created and removed", junit.Tests, o.created)
}

func TestProbeAgainstImagegw(t *testing.T) {
	srv, err := startGateway(nil)
	require.NoError(t, err)
	defer srv.Close()
	o, dir := runProbe(t, srv.URL, 0)
	named := map[string]string{}
	for _, c := range o.Outcomes {
		if c.Status == "deviation" {
			require.Len(t, c.Deviations, 1, c.Case)
			named[c.Case] = c.Deviations[0]
		}
	}
	require.Equal(t, map[string]string{
		"images.list/v2.1/mv-2.35/primary/property-os_probe":   "property-filter-prefix",
		"images.detail/v2.1/mv-2.35/primary/property-os_probe": "property-filter-prefix",
		"metadata.delete/v2.1/mv-2.38/primary/probe_e":         "no-content-length-on-204",
		"images.delete/v2.1/mv-2.35/primary/owner":             "no-content-length-on-204",
	}, named, "imagegw differs from Nova exactly where deviations.yaml says")
	require.Equal(t, map[string]int{"pass": demoCases(t, o) - 4, "deviation": 4}, o.Counts)
	require.Contains(t, o.stdout, "property-filter-prefix (2 cases)")
	// the HTML report as a browser renders it: the deviations are there
	dom := renderedDOM(t, filepath.Join(dir, "probe.html"))
	for _, want := range []string{"images.list/v2.1/mv-2.35/primary/property-os_probe", "no-content-length-on-204"} {
		require.Contains(t, dom, want)
	}
}
