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

// AttachTranscripts gives every failed outcome the HTTP exchange of its
// case (Outcome.Transcript), request then answer as sent and received,
// redacted: the secret headers and any of secrets (the users' tokens)
// wherever they appear become <redacted>. The transcripts file and the
// JUnit failures both print it; it is made once, here.
func (r *Report) AttachTranscripts(exs []Exchange, secrets []string) {
	byName := make(map[string]*Exchange, len(exs))
	for i := range exs {
		byName[exs[i].Case.Name] = &exs[i]
	}
	for i := range r.Outcomes {
		if o := &r.Outcomes[i]; o.Failed() {
			o.Transcript = redact(transcript(byName[o.Case.Name]), secrets)
		}
	}
}

// WriteTranscripts writes the transcript of every failed case (as
// AttachTranscripts gave them).
func WriteTranscripts(w io.Writer, rep *Report) error {
	var b strings.Builder
	for _, o := range rep.Failures() {
		fmt.Fprintf(&b, "=== %s (%s: %s)\n%s\n", o.Case.Name, o.Status, failureMessage(o), o.Transcript)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// transcript is one exchange as sent and received (nil: not sent).
func transcript(ex *Exchange) string {
	if ex == nil {
		return "(not sent)\n"
	}
	var b strings.Builder
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
		fmt.Fprintf(&b, "< transport error: %v\n", ex.Err)
		return b.String()
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
	fmt.Fprintf(&b, "<\n< %s\n", body)
	return b.String()
}

func writeHeader(b *strings.Builder, dir, name, value string) {
	for _, s := range secretHeaders {
		if http.CanonicalHeaderKey(name) == http.CanonicalHeaderKey(s) {
			value = Redacted
		}
	}
	fmt.Fprintf(b, "%s%s: %s\n", dir, name, value)
}
