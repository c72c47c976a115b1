package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub's test
// reporters): the de facto schema of Ant's junitreport.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one testsuite per route, one
// testcase per case under its stable case name; a failed case (a
// difference no deviation explains, a stale deviation, no reference)
// carries the request sent and every difference, an accepted deviation
// passes and names it. Requests are the matrix's templates: tokens are
// never in them (the user is named instead); the HTTP exchange follows
// when the report has its transcripts (AttachTranscripts, redacted).
func (r *Report) WriteJUnit(w io.Writer, name string) error {
	all := junitSuites{Name: name}
	byRoute := map[string]int{}
	for _, o := range r.Outcomes {
		i, ok := byRoute[o.Case.Route]
		if !ok {
			i = len(all.Suites)
			byRoute[o.Case.Route] = i
			all.Suites = append(all.Suites, junitSuite{Name: o.Case.Route})
		}
		tc := junitCase{Name: o.Case.Name, Classname: "conformance." + o.Case.Route}
		if o.Failed() {
			text := exchangeText(o)
			if o.Transcript != "" {
				text += "\nHTTP exchange:\n" + o.Transcript
			}
			tc.Failure = &junitFailure{Message: failureMessage(o), Type: o.Status, Text: text}
			all.Suites[i].Failures++
			all.Failures++
		} else if len(o.Deviations) > 0 {
			tc.SystemOut = "accepted deviations: " + strings.Join(o.Deviations, ", ")
		}
		all.Suites[i].Cases = append(all.Suites[i].Cases, tc)
		all.Suites[i].Tests++
		all.Tests++
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func failureMessage(o Outcome) string {
	switch o.Status {
	case StatusStale:
		return "listed deviations no longer differ: " + strings.Join(o.Stale, ", ")
	case StatusMissing:
		return "no reference answer for the case"
	}
	fields := make([]string, len(o.Unexpected))
	for i, d := range o.Unexpected {
		fields[i] = d.Field
	}
	return "differs from the reference: " + strings.Join(fields, ", ")
}

// exchangeText is the request of a case and what differed in the answer.
func exchangeText(o Outcome) string {
	var b strings.Builder
	c := o.Case
	user := c.User
	if user == "" {
		user = "(no token)"
	}
	fmt.Fprintf(&b, "%s %s\nmicroversion class: %s, user: %s\n", c.Method, c.Path, c.MV, user)
	for _, h := range c.Headers {
		fmt.Fprintf(&b, "%s: %s\n", h.Name, h.Value)
	}
	if c.Body != nil {
		fmt.Fprintf(&b, "\n%s\n", *c.Body)
	}
	if len(o.Diffs) > 0 {
		b.WriteString("\nanswer, reference vs endpoint:\n")
		for _, d := range o.Diffs {
			fmt.Fprintf(&b, "  %s\n", d)
		}
	}
	return b.String()
}
