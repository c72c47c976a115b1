package conformance

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// secretHeaders are never written in a transcript, whatever their value.
var secretHeaders = []string{"X-Auth-Token", "X-Subject-Token", "X-Service-Token", "Authorization"}

// maxTranscriptBody bounds each body in a transcript: a 1000-image list
// is ~600 KB, and the differences are already in the report.
const maxTranscriptBody = 16 << 10

// WriteTranscripts writes the HTTP exchange of every failed case, request
// then answer as sent and received, redacted: the secret headers and any
// of secrets (the users' tokens) wherever they appear become <redacted>.
func WriteTranscripts(w io.Writer, rep *Report, exs []Exchange, secrets []string) error {
	byName := make(map[string]*Exchange, len(exs))
	for i := range exs {
		byName[exs[i].Case.Name] = &exs[i]
	}
	redact := func(s string) string {
		for _, sec := range secrets {
			if sec != "" {
				s = strings.ReplaceAll(s, sec, Redacted)
			}
		}
		return s
	}
	var b strings.Builder
	for _, o := range rep.Failures() {
		fmt.Fprintf(&b, "=== %s (%s: %s)\n", o.Case.Name, o.Status, failureMessage(o))
		ex := byName[o.Case.Name]
		if ex == nil {
			b.WriteString("(not sent)\n\n")
			continue
		}
		user := ex.Request.User
		if user == "" {
			user = "no token"
		}
		fmt.Fprintf(&b, "> %s %s (user: %s)\n", ex.Request.Method, ex.Request.Path, user)
		for _, h := range ex.Request.Headers {
			writeHeader(&b, "> ", h.Name, h.Value)
		}
		if ex.Request.Body != nil {
			fmt.Fprintf(&b, ">\n> %s\n", *ex.Request.Body)
		}
		if ex.Err != nil {
			fmt.Fprintf(&b, "< transport error: %v\n\n", ex.Err)
			continue
		}
		fmt.Fprintf(&b, "< %d\n", ex.Response.Status)
		names := make([]string, 0, len(ex.Response.Header))
		for k := range ex.Response.Header {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			writeHeader(&b, "< ", k, strings.Join(ex.Response.Header[k], ", "))
		}
		body := ex.Response.Body
		if len(body) > maxTranscriptBody {
			body = append(body[:maxTranscriptBody:maxTranscriptBody], fmt.Sprintf("… (%d bytes)", len(ex.Response.Body))...)
		}
		fmt.Fprintf(&b, "<\n< %s\n\n", body)
	}
	_, err := io.WriteString(w, redact(b.String()))
	return err
}

func writeHeader(b *strings.Builder, dir, name, value string) {
	for _, s := range secretHeaders {
		if http.CanonicalHeaderKey(name) == http.CanonicalHeaderKey(s) {
			value = Redacted
		}
	}
	fmt.Fprintf(b, "%s%s: %s\n", dir, name, value)
}
