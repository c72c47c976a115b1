//go:build e2e

package e2e

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/conformance"
)

// TestConformance replays the whole conformance matrix against imagegw (in
// process, in front of the test cloud) and compares every answer with the
// real Nova's golden answer in testdata/golden (scripts/record-golden).
// It fails for every differing case that conformance/deviations.yaml does
// not list, and for every listed deviation that no longer differs.
//
// The matrix writes metadata and deletes images, so the seed is reset
// before and after the replay. IMAGEGW_CONFORMANCE_REPORT=<file> also
// writes the full report (table, failures with JSON diffs) to that file.
func TestConformance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	cases, golden, devs := loadConformanceInputs(t)
	resetConformanceSeed(t)
	// other e2e tests expect the documented seed state
	t.Cleanup(func() { resetConformanceSeed(t) })

	rep := replayConformance(ctx, t, cases, golden, devs)
	writeConformanceReport(t, rep)
	checkConformanceOutcomes(t, rep)
	// the CI reports of the real run, after its verdict (a writer or
	// Chromium failing must not hide it)
	checkJUnit(t, rep)
	checkHTML(t, rep)
}

// loadConformanceInputs is the matrix, the golden answers and the listed
// deviations, checked against each other.
func loadConformanceInputs(t *testing.T) ([]conformance.Case, map[string]conformance.GoldenCase, *conformance.Deviations) {
	t.Helper()
	idx, golden, err := conformance.LoadGolden(filepath.Join("..", "testdata", "golden"))
	require.NoError(t, err, "golden files missing: record them with scripts/record-golden")
	devs, err := conformance.LoadDeviations(filepath.Join("..", "conformance", "deviations.yaml"))
	require.NoError(t, err)
	cases := conformance.Matrix()
	// that every case it lists exists: conformance/probe's unit test
	t.Logf("golden: %d cases recorded %s from nova %s", idx.Count, idx.Recording.Date, idx.Recording.NovaVersion)
	return cases, golden, devs
}

// resetConformanceSeed puts the cloud back to the seed state the golden
// answers were recorded in.
func resetConformanceSeed(t *testing.T) {
	t.Helper()
	// not the test's ctx: the cleanup runs after it is cancelled
	rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer rcancel()
	out, err := conformance.ResetSeed(rctx, "/usr/bin/python3", filepath.Join("..", "scripts", "cloud", "seed.py"), world.dir)
	require.NoError(t, err, string(out))
}

// replayConformance runs the matrix against a fresh imagegw and evaluates
// its normalised answers against the golden ones.
func replayConformance(ctx context.Context, t *testing.T, cases []conformance.Case,
	golden map[string]conformance.GoldenCase, devs *conformance.Deviations) *conformance.Report {
	t.Helper()
	cloud, err := conformance.LoadCloud(world.dir)
	require.NoError(t, err)
	srv, err := startGateway(nil)
	require.NoError(t, err)
	defer srv.Close()

	start := time.Now()
	r := &conformance.Runner{Target: srv.URL, Cloud: cloud, Tokens: world.tokens}
	exs, err := r.Run(ctx, cases)
	require.NoError(t, err)
	t.Logf("replayed %d cases in %s", len(exs), time.Since(start).Round(time.Millisecond))

	got := conformance.NormalizeAll(exs, conformance.NewNormalizer(srv.URL, cloud))
	return conformance.Evaluate(cases, conformance.GoldenResponses(golden), got, devs)
}

// writeConformanceReport logs the route x microversion table and, with
// IMAGEGW_CONFORMANCE_REPORT, writes the full report to that file.
func writeConformanceReport(t *testing.T, rep *conformance.Report) {
	t.Helper()
	var table, summary strings.Builder
	rep.WriteTable(&table)
	rep.WriteSummary(&summary, false)
	t.Logf("route x microversion class (passed/total):\n%s", table.String())
	if path := os.Getenv("IMAGEGW_CONFORMANCE_REPORT"); path != "" {
		var full strings.Builder
		full.WriteString(table.String() + "\n")
		rep.WriteSummary(&full, true)
		require.NoError(t, os.WriteFile(path, []byte(full.String()), 0o644))
		t.Logf("full report written to %s", path)
	}
}

// checkJUnit: the JUnit report of the real run is XML with one testcase
// per case and as many failures as the report has.
func checkJUnit(t *testing.T, rep *conformance.Report) {
	t.Helper()
	var b strings.Builder
	require.NoError(t, rep.WriteJUnit(&b, "imagegw e2e"))
	requireJUnit(t, []byte(b.String()), len(rep.Outcomes), len(rep.Failures()))
}

// requireJUnit: a JUnit document with tests testcases (counted in its
// suites and in its header) of which failures failed.
func requireJUnit(t *testing.T, doc []byte, tests, failures int) {
	t.Helper()
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(doc, &suites))
	n := 0
	for _, s := range suites.Suites {
		n += len(s.Cases)
	}
	require.Equal(t, tests, n)
	require.Equal(t, tests, suites.Tests)
	require.Equal(t, failures, suites.Failures)
}

// checkHTML: the HTML report of the real run, rendered by headless
// Chromium, shows the counts, the matrix with its totals and one
// expandable entry per failure and accepted deviation.
func checkHTML(t *testing.T, rep *conformance.Report) {
	t.Helper()
	page := filepath.Join(t.TempDir(), "conformance.html")
	var b strings.Builder
	require.NoError(t, rep.WriteHTML(&b, "imagegw e2e"))
	require.NoError(t, os.WriteFile(page, []byte(b.String()), 0o600))
	dom := renderedDOM(t, page)
	c := rep.Counts()
	require.Contains(t, dom, fmt.Sprintf("%d cases: %d pass, %d accepted deviations", len(rep.Outcomes), c[conformance.StatusPass], c[conformance.StatusDeviation]))
	require.Contains(t, dom, `<table id="matrix">`)
	require.Equal(t, len(rep.Routes)+2, strings.Count(dom, "<tr>"), "a header, a row per route, the totals")
	require.Contains(t, dom, "<tr><th>all</th>")
	require.Contains(t, dom, rep.Grid().All.String()+"</td></tr>")
	require.Equal(t, len(rep.Failures()), strings.Count(dom, `<details class="failure">`))
	require.Equal(t, c[conformance.StatusDeviation], strings.Count(dom, `<details class="deviation">`))
}

// checkConformanceOutcomes logs the counts and fails once per failing
// case, stale deviation or missing golden answer.
func checkConformanceOutcomes(t *testing.T, rep *conformance.Report) {
	t.Helper()
	c := rep.Counts()
	t.Logf("%d cases: %d pass, %d accepted deviations, %d fail, %d stale deviations, %d missing",
		len(rep.Outcomes), c[conformance.StatusPass], c[conformance.StatusDeviation],
		c[conformance.StatusFail], c[conformance.StatusStale], c[conformance.StatusMissing])
	for _, o := range rep.Failures() {
		switch o.Status {
		case conformance.StatusStale:
			t.Errorf("%s: listed deviation(s) %s no longer differ: remove them from conformance/deviations.yaml",
				o.Case.Name, strings.Join(o.Stale, ", "))
		case conformance.StatusMissing:
			t.Errorf("%s: no golden answer (re-record with scripts/record-golden)", o.Case.Name)
		default:
			t.Errorf("%s (%s %s):%s", o.Case.Name, o.Case.Method, o.Case.Path, unexpectedDiffs(o))
		}
	}
}

// unexpectedDiffs are the fields in which a failing case differs from the
// golden answer, want above got.
func unexpectedDiffs(o conformance.Outcome) string {
	var b strings.Builder
	for _, d := range o.Unexpected {
		fmt.Fprintf(&b, "\n  %s: want %s\n  %s  got  %s", d.Field, d.Want, strings.Repeat(" ", len(d.Field)), d.Got)
		if d.Detail != "" {
			b.WriteString("\n" + d.Detail)
		}
	}
	return b.String()
}
