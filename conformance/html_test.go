package conformance

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The HTML page colours each cell by outcome and opens each failure and
// deviation on its request and differences, escaped.
func TestWriteHTML(t *testing.T) {
	rep := &Report{Routes: []string{"images.list", "metadata.create"}, MVs: []string{"2.35", "2.38"}, Outcomes: []Outcome{
		{Case: Case{Name: "images.list/a", Route: "images.list", MV: "2.35", Method: "GET", Path: "/v2.1/images"}, Status: StatusPass},
		{Case: Case{Name: "images.list/b", Route: "images.list", MV: "2.38", Method: "GET", Path: "/v2.1/images?name=<x>"},
			Status: StatusDeviation, Deviations: []string{"dev-1"}, Diffs: []FieldDiff{{Field: "body", Want: "a", Got: "b"}}},
		{Case: Case{Name: "metadata.create/c", Route: "metadata.create", MV: "2.38", Method: "POST", Path: "/v2.1/images/x/metadata", User: "alt"},
			Status: StatusFail, Diffs: []FieldDiff{{Field: "status", Want: "403", Got: "200"}}, Unexpected: []FieldDiff{{Field: "status", Want: "403", Got: "200"}}},
	}}
	var b strings.Builder
	require.NoError(t, rep.WriteHTML(&b, "imagegw <test>"))
	page := b.String()
	for _, want := range []string{
		"<title>imagegw &lt;test&gt;</title>",
		`3 cases: 1 pass, 1 accepted deviations, 1 fail, 0 stale deviations, 0 missing`,
		`<tr><th>images.list</th><td class="pass">1/1</td><td class="dev">1/1~</td><td class="dev">2/2~</td></tr>`,
		`<tr><th>metadata.create</th><td class="none">.</td><td class="fail">0/1!</td><td class="fail">0/1!</td></tr>`,
		`<tr><th>all</th><td class="pass">1/1</td><td class="fail">1/2!~</td><td class="fail">2/3!~</td></tr>`,
		`<details class="failure"><summary>metadata.create/c: differs from the reference: status</summary>`,
		"status: want 403, got 200",
		`<details class="deviation"><summary>images.list/b: differs as listed: dev-1</summary>`,
		"GET /v2.1/images?name=&lt;x&gt;",
	} {
		require.Contains(t, page, want)
	}
}
