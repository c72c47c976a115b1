package conformance

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Transcripts hold each failed case's exchange, and never a token.
func TestWriteTranscripts(t *testing.T) {
	body := `{"metadata": {"k": "v"}}`
	failed := Case{Name: "metadata.create/x", Route: "metadata.create", Method: "POST", Path: "/v2.1/images/{image:a}/metadata", User: "alt"}
	broken := Case{Name: "images.show/y", Route: "images.show", Method: "GET", Path: "/v2.1/images/b"}
	rep := &Report{Outcomes: []Outcome{
		{Case: Case{Name: "ok"}, Status: StatusPass},
		{Case: failed, Status: StatusFail, Unexpected: []FieldDiff{{Field: "status"}}},
		{Case: broken, Status: StatusFail, Unexpected: []FieldDiff{{Field: "status"}}},
		{Case: Case{Name: "never"}, Status: StatusMissing},
	}}
	exs := []Exchange{
		{Case: Case{Name: "ok"}},
		{Case: failed, Request: Request{Method: "POST", Path: "/v2.1/images/1234/metadata", User: "alt", Body: &body,
			Headers: []Header{{Name: "X-Auth-Token", Value: "gAAAA-secret"}, {Name: "OpenStack-API-Version", Value: "compute 2.38"}}},
			Response: Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}, "X-Subject-Token": {"other-secret"}},
				Body: []byte(`{"echo": "gAAAA-secret", "metadata": {"k": "v"}}`)}},
		{Case: broken, Request: Request{Method: "GET", Path: "/v2.1/images/b"}, Err: errors.New("connection reset")},
	}
	var b strings.Builder
	rep.AttachTranscripts(exs, []string{"gAAAA-secret"})
	require.NoError(t, WriteTranscripts(&b, rep))
	out := b.String()
	require.NotContains(t, out, "secret")
	for _, want := range []string{
		"=== metadata.create/x (fail: differs from the reference: status)",
		"> POST /v2.1/images/1234/metadata (user: alt)",
		"> X-Auth-Token: <redacted>", "> OpenStack-API-Version: compute 2.38", "> " + body,
		"< 200", "< Content-Type: application/json", "< X-Subject-Token: <redacted>", `"echo": "<redacted>"`,
		"=== images.show/y", "> GET /v2.1/images/b (user: no token)", "< transport error: connection reset",
		"=== never (missing: no reference answer for the case)\n(not sent)",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "=== ok")

	// the JUnit failure of the same case carries the same exchange
	var x strings.Builder
	require.NoError(t, rep.WriteJUnit(&x, "t"))
	require.Contains(t, x.String(), "HTTP exchange:&#xA;&gt; POST /v2.1/images/1234/metadata (user: alt)")
	require.Contains(t, x.String(), "&lt; X-Subject-Token: &lt;redacted&gt;")
	require.NotContains(t, x.String(), "secret")
}
