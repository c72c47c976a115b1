package conformance

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeviationsFileIsValid(t *testing.T) {
	d, err := LoadDeviations("deviations.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, d.Deviations)
	// that every listed case exists (in the matrix or the probe's cases) is
	// checked in conformance/probe, which knows both
	for _, dv := range d.Deviations {
		assert.GreaterOrEqual(t, len(strings.Fields(dv.Reason)), 15, "%s: a reason worth the name", dv.ID)
	}
}

func TestParseDeviationsRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown key":    "deviations:\n  - id: a\n    kind: nova-bug\n    reason: r\n    fields: [body]\n    cases: [x]\n    extra: 1\n",
		"bad kind":       "deviations:\n  - id: a\n    kind: nicer\n    reason: r\n    fields: [body]\n    cases: [x]\n",
		"no reason":      "deviations:\n  - id: a\n    kind: protocol\n    reason: ' '\n    fields: [body]\n    cases: [x]\n",
		"unknown field":  "deviations:\n  - id: a\n    kind: protocol\n    reason: r\n    fields: [header:date]\n    cases: [x]\n",
		"no cases":       "deviations:\n  - id: a\n    kind: protocol\n    reason: r\n    fields: [body]\n    cases: []\n",
		"duplicate id":   "deviations:\n  - {id: a, kind: protocol, reason: r, fields: [body], cases: [x]}\n  - {id: a, kind: protocol, reason: r, fields: [status], cases: [y]}\n",
		"claimed twice":  "deviations:\n  - {id: a, kind: protocol, reason: r, fields: [body], cases: [x]}\n  - {id: b, kind: protocol, reason: r, fields: [body], cases: [x]}\n",
		"not yaml":       "deviations: [",
		"top-level typo": "deviation: []\n",
	} {
		_, err := ParseDeviations([]byte(doc))
		assert.Error(t, err, name)
	}
	d, err := ParseDeviations([]byte("deviations:\n  - {id: a, kind: protocol, reason: r, fields: [body], cases: [x]}\n  - {id: b, kind: nova-bug, reason: r, fields: [status], cases: [x]}\n"))
	require.NoError(t, err, "one case, two deviations on different fields")
	assert.Len(t, d.For("x"), 2)
	assert.Empty(t, d.For("y"))
	assert.Equal(t, []string{"a: x", "b: x"}, d.UnknownCases(nil))
}

func TestEvaluate(t *testing.T) {
	cases := []Case{
		{Name: "r/pass", Route: "r", MV: "2.35"},
		{Name: "r/fail", Route: "r", MV: "2.35"},
		{Name: "r/dev", Route: "r", MV: "none"},
		{Name: "r/dev-and-other", Route: "r", MV: "none"},
		{Name: "r/stale", Route: "q", MV: "none"},
		{Name: "r/missing", Route: "q", MV: "2.35"},
	}
	ok := norm(200, nil, "json", map[string]any{"a": 1.0})
	other := norm(200, nil, "json", map[string]any{"a": 2.0})
	otherStatus := norm(500, nil, "json", map[string]any{"a": 2.0})
	want := map[string]Normalized{"r/pass": ok, "r/fail": ok, "r/dev": ok, "r/dev-and-other": ok, "r/stale": ok}
	got := map[string]Normalized{"r/pass": ok, "r/fail": other, "r/dev": other, "r/dev-and-other": otherStatus,
		"r/stale": ok, "r/missing": ok}
	devs, err := ParseDeviations([]byte(`deviations:
  - {id: d1, kind: nova-bug, reason: r, fields: [body], cases: [r/dev, r/dev-and-other, r/stale]}
`))
	require.NoError(t, err)
	rep := Evaluate(cases, want, got, devs)
	status := map[string]string{}
	for _, o := range rep.Outcomes {
		status[o.Case.Name] = o.Status
	}
	assert.Equal(t, map[string]string{
		"r/pass": StatusPass, "r/fail": StatusFail, "r/dev": StatusDeviation,
		"r/dev-and-other": StatusFail, "r/stale": StatusStale, "r/missing": StatusMissing,
	}, status)
	assert.Equal(t, []string{"status"}, fields(rep.Outcomes[3].Unexpected), "a deviation never hides another field")
	assert.Equal(t, []string{"d1"}, rep.Outcomes[4].Stale)
	assert.Len(t, rep.Failures(), 4)
	assert.Equal(t, map[string]int{StatusPass: 1, StatusFail: 2, StatusDeviation: 1, StatusStale: 1, StatusMissing: 1}, rep.Counts())

	var table, summary strings.Builder
	rep.WriteTable(&table)
	assert.Contains(t, table.String(), "route \\ mv")
	assert.Regexp(t, `(?m)^\s+r\s+1/2!~\s+1/2!\s+2/4!~\s*$`, table.String())
	assert.Regexp(t, `(?m)^\s+q\s+0/1!\s+0/1!\s+0/2!\s*$`, table.String())
	rep.WriteSummary(&summary, true)
	s := summary.String()
	assert.Contains(t, s, "6 cases: 1 pass, 1 deviation, 2 fail, 1 stale, 1 missing")
	assert.Contains(t, s, "FAILURES (2):\n  r/fail\n    body: want")
	assert.Contains(t, s, "r/stale: d1")
	assert.Contains(t, s, "d1 (1 cases)\n    r/dev")
	assert.Equal(t, []string{"none", "2.35"}, rep.MVs)
}

func fields(d []FieldDiff) []string {
	var out []string
	for _, x := range d {
		out = append(out, x.Field)
	}
	return out
}

func TestGoldenRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c := fakeCloud()
	n := NewNormalizer("http://127.0.0.1:38774", c)
	big := strings.Repeat("x", maxRecordedBody+1)
	small := `{"metadata": {"a": "1"}}`
	exs := []Exchange{
		{Case: Case{Name: "a/b", Route: "a", MV: "2.35"},
			Request:  Request{Method: "GET", PathTemplate: "/v2.1/{project:demo}/images", Path: "/v2.1/" + c.Projects["demo"] + "/images", User: "demo"},
			Response: Response{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}}, Body: []byte(`{"images": []}`)}},
		{Case: Case{Name: "a/c", Route: "a", MV: "none"},
			Request:  Request{Method: "POST", Path: "/x", Body: &big, Headers: []Header{{"X-Auth-Token", "t"}}},
			Response: Response{Status: 413, Body: []byte("too big")}},
		{Case: Case{Name: "a/d", Route: "a", MV: "none"},
			Request:  Request{Method: "POST", Path: "/x", Body: &small},
			Response: Response{Status: 200, Body: []byte(`{"metadata": {"a": "1"}}`)}},
	}
	var golden []GoldenCase
	for i := range exs {
		golden = append(golden, Golden(&exs[i], n))
	}
	assert.Equal(t, "/v2.1/{project:demo}/images", golden[0].Request.Path)
	assert.Regexp(t, `^<4097 bytes, sha256 [0-9a-f]{64}>$`, *golden[1].Request.Body)
	assert.Equal(t, small, *golden[2].Request.Body)

	stale := filepath.Join(dir, "old.json")
	require.NoError(t, os.WriteFile(stale, []byte("{}"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README"), []byte("kept"), 0o644))
	require.NoError(t, WriteGolden(dir, golden, RecordingInfo{NovaVersion: "26.2.2", Date: "2026-01-01T00:00:00Z"}))
	assert.NoFileExists(t, stale, "files of cases no longer in the matrix are removed")
	assert.FileExists(t, filepath.Join(dir, "README"))

	idx, loaded, err := LoadGolden(dir)
	require.NoError(t, err)
	assert.Equal(t, 3, idx.Count)
	assert.Equal(t, "26.2.2", idx.Recording.NovaVersion)
	assert.Equal(t, []string{"a/b", "a/c", "a/d"}, []string{idx.Cases[0].Name, idx.Cases[1].Name, idx.Cases[2].Name})
	for _, g := range golden {
		assert.Empty(t, Compare(g.Response, loaded[g.Name].Response), g.Name)
	}
	resp := GoldenResponses(loaded)
	assert.Equal(t, 413, resp["a/c"].Status)
	assert.Equal(t, "too big", resp["a/c"].Body)

	// a file that holds another case than the index says
	b, err := os.ReadFile(filepath.Join(dir, idx.Cases[1].File))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, idx.Cases[0].File), b, 0o644))
	_, _, err = LoadGolden(dir)
	assert.ErrorContains(t, err, "holds case")
}

// The committed golden files match the matrix: same cases, same order, and
// they are normalised (no recording host, no project ids, no timestamps).
func TestCommittedGoldenMatchesMatrix(t *testing.T) {
	dir := filepath.Join("..", "testdata", "golden")
	idx, golden, err := LoadGolden(dir)
	require.NoError(t, err, "record the golden files with scripts/record-golden")
	cases := Matrix()
	names := make([]string, len(idx.Cases))
	for i, e := range idx.Cases {
		names[i] = e.Name
		assert.Equal(t, FileName(e.Name), e.File)
	}
	want := make([]string, len(cases))
	for i, c := range cases {
		want[i] = c.Name
	}
	require.Equal(t, want, names, "matrix changed: re-record with scripts/record-golden")
	// a real project id in a link or message (the matrix's own literal
	// 0123456789abcdef… project is not one)
	projectID := regexp.MustCompile(`(/v2(\.1)?/|project_id ')([0-9a-f]{32})`)
	for _, c := range cases {
		g := golden[c.Name]
		assert.Equal(t, c.Route, g.Route)
		assert.Equal(t, c.MV, g.MV)
		assert.Equal(t, c.Path, g.Request.PathTemplate, c.Name)
		assert.NotZero(t, g.Response.Status, c.Name)
		assert.Empty(t, g.Response.Error, c.Name)
		b, err := os.ReadFile(filepath.Join(dir, FileName(c.Name)))
		require.NoError(t, err)
		s := string(b)
		assert.NotContains(t, s, "127.0.0.1", c.Name)
		assert.NotContains(t, s, `"created": "20`, c.Name)
		for _, m := range projectID.FindAllStringSubmatch(s, -1) {
			assert.Equal(t, "0123456789abcdef0123456789abcdef", m[3], "%s: project id not normalised", c.Name)
		}
		assert.NotContains(t, s, `"date"`, c.Name)
	}
}
