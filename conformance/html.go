package conformance

import (
	"html/template"
	"io"
	"strings"
)

// htmlPage is the report a person reads: the counts, the route ×
// microversion-class matrix coloured by outcome, then every failure and
// every accepted deviation as a <details> that opens on the request and
// the differences (html/template escapes all of it).
var htmlPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body { font: 14px/1.4 sans-serif; margin: 2em; color: #111; background: #fff; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #333; padding: 4px 8px; text-align: right; }
th { background: #ddd; }
td.pass { background: #b7e4b7; } td.dev { background: #f3e29b; } td.fail { background: #f2a3a3; } td.none { color: #888; }
details { margin: 4px 0; } summary { cursor: pointer; } pre { background: #f4f4f4; padding: 8px; white-space: pre-wrap; }
</style></head><body>
<h1>{{.Title}}</h1>
<p id="counts">{{.Total}} cases: {{.Pass}} pass, {{.Dev}} accepted deviations, {{.Fail}} fail, {{.Stale}} stale deviations, {{.Missing}} missing</p>
<table id="matrix"><tr><th>route \ microversion</th>{{range .MVs}}<th>{{.}}</th>{{end}}<th>all</th></tr>
{{range .Rows}}<tr><th>{{.Route}}</th>{{range .Cells}}<td class="{{.Class}}">{{.Text}}</td>{{end}}</tr>
{{end}}</table>
<p>cells: passed/total; red: failures, yellow: accepted deviations</p>
<h2 id="failures">Failures ({{len .Failures}})</h2>
{{range .Failures}}<details class="failure"><summary>{{.Case.Name}}: {{.Message}}</summary><pre>{{.Exchange}}</pre></details>
{{else}}<p>none</p>
{{end}}<h2 id="deviations">Accepted deviations ({{len .Deviations}})</h2>
{{range .Deviations}}<details class="deviation"><summary>{{.Case.Name}}: {{.Message}}</summary><pre>{{.Exchange}}</pre></details>
{{end}}</body></html>
`))

type htmlCell struct{ Class, Text string }

type htmlRow struct {
	Route string
	Cells []htmlCell
}

type htmlCase struct {
	Case              Case
	Message, Exchange string
}

// WriteHTML writes the report as one self-contained HTML page.
func (r *Report) WriteHTML(w io.Writer, title string) error {
	g := r.Grid()
	c := r.Counts()
	data := struct {
		Title                                  string
		Total, Pass, Dev, Fail, Stale, Missing int
		MVs                                    []string
		Rows                                   []htmlRow
		Failures, Deviations                   []htmlCase
	}{Title: title, Total: len(r.Outcomes), Pass: c[StatusPass], Dev: c[StatusDeviation], Fail: c[StatusFail],
		Stale: c[StatusStale], Missing: c[StatusMissing], MVs: r.MVs}
	cell := func(x *Cell) htmlCell {
		switch {
		case x == nil || x.Total == 0:
			return htmlCell{"none", "."}
		case x.Pass < x.Total:
			return htmlCell{"fail", x.String()}
		case x.Dev > 0:
			return htmlCell{"dev", x.String()}
		}
		return htmlCell{"pass", x.String()}
	}
	for _, route := range append(append([]string{}, r.Routes...), "all") {
		row := htmlRow{Route: route}
		for _, m := range r.MVs {
			if route == "all" {
				row.Cells = append(row.Cells, cell(g.Cols[m]))
			} else {
				row.Cells = append(row.Cells, cell(g.Cells[route][m]))
			}
		}
		total := g.Rows[route]
		if route == "all" {
			total = g.All
		}
		row.Cells = append(row.Cells, cell(total))
		data.Rows = append(data.Rows, row)
	}
	for _, o := range r.Outcomes {
		switch {
		case o.Failed():
			data.Failures = append(data.Failures, htmlCase{o.Case, failureMessage(o), exchangeText(o)})
		case o.Status == StatusDeviation:
			data.Deviations = append(data.Deviations, htmlCase{o.Case, "differs as listed: " + strings.Join(o.Deviations, ", "), exchangeText(o)})
		}
	}
	return htmlPage.Execute(w, data)
}
