package conformance

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The JUnit report has one testcase per case under its name, grouped by
// route; failures carry the request and the differences, never a token.
func TestWriteJUnit(t *testing.T) {
	body := `{"metadata": {"k": "v"}}`
	rep := &Report{Outcomes: []Outcome{
		{Case: Case{Name: "images.list/v21/2.35/demo", Route: "images.list", MV: "2.35", Method: "GET", Path: "/v2.1/images", User: "demo"}, Status: StatusPass},
		{Case: Case{Name: "images.list/v21/none/demo/vary", Route: "images.list", MV: "none", Method: "GET", Path: "/v2.1/images", User: "demo"},
			Status: StatusDeviation, Deviations: []string{"property-filter-prefix"}},
		{Case: Case{Name: "metadata.create/v21/2.38/alt", Route: "metadata.create", MV: "2.38", Method: "POST", Path: "/v2.1/images/{image:ref-active}/metadata",
			User: "alt", Body: &body, Headers: []Header{{Name: "OpenStack-API-Version", Value: "compute 2.38"}}},
			Status: StatusFail, Diffs: []FieldDiff{{Field: "status", Want: "403", Got: "200"}}, Unexpected: []FieldDiff{{Field: "status", Want: "403", Got: "200"}}},
		{Case: Case{Name: "versions/root/none/-", Route: "versions", Method: "GET", Path: "/"}, Status: StatusMissing},
	}}
	var b strings.Builder
	require.NoError(t, rep.WriteJUnit(&b, "imagegw"))
	var got junitSuites
	require.NoError(t, xml.Unmarshal([]byte(b.String()), &got), b.String())
	require.Equal(t, 4, got.Tests)
	require.Equal(t, 2, got.Failures)
	require.Len(t, got.Suites, 3)
	require.Equal(t, "images.list", got.Suites[0].Name)
	require.Equal(t, "images.list/v21/none/demo/vary", got.Suites[0].Cases[1].Name)
	require.Nil(t, got.Suites[0].Cases[1].Failure)
	require.Contains(t, got.Suites[0].Cases[1].SystemOut, "property-filter-prefix")
	f := got.Suites[1].Cases[0].Failure
	require.NotNil(t, f)
	require.Equal(t, "fail", f.Type)
	require.Equal(t, "differs from the reference: status", f.Message)
	for _, want := range []string{"POST /v2.1/images/{image:ref-active}/metadata", "user: alt", "OpenStack-API-Version: compute 2.38", body, "status: want 403, got 200"} {
		require.Contains(t, f.Text, want)
	}
	require.Equal(t, "missing", got.Suites[2].Cases[0].Failure.Type)
	require.Contains(t, got.Suites[2].Cases[0].Failure.Text, "user: (no token)")
}
