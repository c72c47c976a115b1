//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
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
	return cmd // the environment's OS_CLIENT_CONFIG_FILE: the cloud's clouds.yaml (setup)
}

// probeShared are what the probe tests share: the admin's session (for
// the independent view of Glance) and a cached imagegw to probe.
var probeShared struct {
	once  sync.Once
	admin *conformance.Session
	gw    *httptest.Server
	err   error
}

func probeWorld(t *testing.T) (*conformance.Session, *httptest.Server) {
	t.Helper()
	probeShared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if probeShared.admin, probeShared.err = conformance.Login(ctx, "admin", time.Minute); probeShared.err == nil {
			probeShared.gw, probeShared.err = startGateway(nil)
		}
	})
	require.NoError(t, probeShared.err)
	return probeShared.admin, probeShared.gw
}

// adminView is every image the admin sees, before or after a run.
func adminView(t *testing.T) probe.Inventory {
	t.Helper()
	admin, _ := probeWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inv, err := probe.TakeInventory(ctx, admin, "\x00") // leaves nothing out: no name starts with NUL
	require.NoError(t, err)
	return inv
}

var runIDRE = regexp.MustCompile(`fixtures of run \S+: (\d+) created, \d+ removed by the cleanup, (\d+) left`)

// probeOutcome is the JSON report and the run's footprint line.
type probeOutcome struct {
	Counts   map[string]int `json:"counts"`
	Outcomes []struct {
		Case       string   `json:"case"`
		Status     string   `json:"status"`
		Deviations []string `json:"deviations"`
	} `json:"outcomes"`
	created, left string
	stdout        string
}

// runProbe runs the probe binary to its end and checks what every run
// must leave: nothing of its own, and the admin's view of Glance as it was.
func runProbe(t *testing.T, target string) (probeOutcome, string) {
	t.Helper()
	dir := t.TempDir()
	before := adminView(t)
	cmd := probeCmd(t, target, dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "exit status 0\n%s\n%s", stdout.String(), stderr.String())
	var o probeOutcome
	b, err := os.ReadFile(filepath.Join(dir, "probe.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &o))
	m := runIDRE.FindStringSubmatch(stdout.String())
	require.NotNil(t, m, stdout.String())
	o.created, o.left, o.stdout = m[1], m[2], stdout.String()
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
	o, dir := runProbe(t, novaRoot(t))
	n := demoCases(t, o)
	require.Equal(t, map[string]int{"pass": n}, o.Counts, "every case passes against the real Nova")
	b, err := os.ReadFile(filepath.Join(dir, "probe.xml"))
	require.NoError(t, err)
	requireJUnit(t, b, n, 0)
	t.Logf("nova-api: %d cases pass; %s fixtures created and removed", n, o.created)
}

func TestProbeAgainstImagegw(t *testing.T) {
	_, gw := probeWorld(t)
	o, dir := runProbe(t, gw.URL)
	named := map[string]string{}
	for _, c := range o.Outcomes {
		if c.Status == "deviation" {
			require.Len(t, c.Deviations, 1, c.Case)
			named[c.Case] = c.Deviations[0]
		}
	}
	want := probeDeviations(t)
	require.NotEmpty(t, want, "deviations.yaml names some of the probe's cases")
	require.Equal(t, want, named, "imagegw differs from Nova exactly where deviations.yaml says")
	require.Equal(t, map[string]int{"pass": demoCases(t, o) - len(want), "deviation": len(want)}, o.Counts)
	require.Contains(t, o.stdout, "property-filter-prefix (2 cases)")
	// the HTML report as a browser renders it: the deviations are there
	dom := renderedDOM(t, filepath.Join(dir, "probe.html"))
	for _, want := range []string{"images.list/v2.1/mv-2.35/primary/property-os_probe", "no-content-length-on-204"} {
		require.Contains(t, dom, want)
	}
}

// probeDeviations are the probe's cases deviations.yaml lists, with the
// deviation's id.
func probeDeviations(t *testing.T) map[string]string {
	t.Helper()
	devs, err := conformance.ImagegwDeviations()
	require.NoError(t, err)
	out := map[string]string{}
	for _, c := range probe.AllCases() {
		for _, d := range devs.For(c.Name) {
			out[c.Name] = d.ID
		}
	}
	return out
}
