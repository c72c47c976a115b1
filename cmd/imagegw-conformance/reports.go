package main

import (
	"encoding/json"
	"flag"
	"io"
	"os"

	"github.com/imagegw/imagegw/conformance"
)

// reportFiles are the report files a run was asked for ("": not wanted).
type reportFiles struct{ json, junit, html, transcripts string }

// register declares the report flags of run and probe.
func (f *reportFiles) register(fs *flag.FlagSet) {
	fs.StringVar(&f.json, "json", "", "also write the outcomes as JSON to this file")
	fs.StringVar(&f.junit, "junit", "", "also write the outcomes as JUnit XML to this file (one testcase per case, a failure with its HTTP exchange, for CI)")
	fs.StringVar(&f.html, "html", "", "also write the report as an HTML page to this file (the matrix coloured, failures and deviations expandable)")
	fs.StringVar(&f.transcripts, "transcripts", "", "also write the HTTP exchange of every failed case to this file (tokens redacted)")
}

// write writes each wanted file of rep, named after the endpoint target;
// transcripts come from the target's exchanges, secrets redacted.
func (f reportFiles) write(rep *conformance.Report, target string, exs []conformance.Exchange, secrets []string) error {
	rep.AttachTranscripts(exs, secrets) // the JUnit failures carry them too
	if f.transcripts != "" {
		err := writeFile(f.transcripts, func(w io.Writer) error { return conformance.WriteTranscripts(w, rep) })
		if err != nil {
			return err
		}
	}
	if f.json != "" {
		if err := writeJSON(f.json, rep); err != nil {
			return err
		}
	}
	if f.junit != "" {
		if err := writeJUnit(f.junit, rep, target); err != nil {
			return err
		}
	}
	if f.html != "" {
		return writeHTML(f.html, rep, target)
	}
	return nil
}

// writeJUnit writes the report as JUnit XML, named after the endpoint.
func writeJUnit(path string, rep *conformance.Report, target string) error {
	return writeFile(path, func(w io.Writer) error { return rep.WriteJUnit(w, "imagegw-conformance "+target) })
}

// writeHTML writes the report as an HTML page, titled after the endpoint.
func writeHTML(path string, rep *conformance.Report, target string) error {
	return writeFile(path, func(w io.Writer) error { return rep.WriteHTML(w, "imagegw-conformance "+target) })
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeJSON(path string, rep *conformance.Report) error {
	type outcome struct {
		Case       string                  `json:"case"`
		Route      string                  `json:"route"`
		MV         string                  `json:"mv"`
		Status     string                  `json:"status"`
		Unexpected []conformance.FieldDiff `json:"unexpected,omitempty"`
		Deviations []string                `json:"deviations,omitempty"`
		Stale      []string                `json:"stale,omitempty"`
	}
	var out []outcome
	for _, o := range rep.Outcomes {
		out = append(out, outcome{o.Case.Name, o.Case.Route, o.Case.MV, o.Status, o.Unexpected, o.Deviations, o.Stale})
	}
	b, err := json.MarshalIndent(map[string]any{"counts": rep.Counts(), "outcomes": out}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
