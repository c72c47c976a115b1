package conformance

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Outcome statuses.
const (
	StatusPass      = "pass"
	StatusDeviation = "deviation" // differs only as the deviations file says
	StatusFail      = "fail"      // a difference no deviation explains
	StatusStale     = "stale"     // a listed deviation no longer differs
	StatusMissing   = "missing"   // no reference answer for the case
)

// Outcome is the verdict for one case.
type Outcome struct {
	Case       Case
	Status     string
	Diffs      []FieldDiff // every difference
	Unexpected []FieldDiff // differences no deviation covers
	Deviations []string    // ids of the deviations that explain differences
	Stale      []string    // ids of deviations listed for the case that no longer differ
	// Transcript is a failed case's HTTP exchange, redacted (after
	// Report.AttachTranscripts; "" before).
	Transcript string
}

// Failed tells whether the outcome counts as a failure.
func (o Outcome) Failed() bool {
	return o.Status == StatusFail || o.Status == StatusStale || o.Status == StatusMissing
}

// Report is the result of comparing a run with a reference.
type Report struct {
	Outcomes []Outcome
	Routes   []string
	MVs      []string
}

// Evaluate compares the normalised answers of the server under test (got)
// with the reference (want), case by case in matrix order.
func Evaluate(cases []Case, want, got map[string]Normalized, devs *Deviations) *Report {
	r := &Report{Routes: SortedRoutes(cases), MVs: SortedMVs(cases)}
	for _, c := range cases {
		o := Outcome{Case: c}
		w, haveWant := want[c.Name]
		g, haveGot := got[c.Name]
		if !haveWant || !haveGot {
			o.Status = StatusMissing
			r.Outcomes = append(r.Outcomes, o)
			continue
		}
		o.Diffs = Compare(w, g)
		differs := map[string]bool{}
		for _, d := range o.Diffs {
			differs[d.Field] = true
		}
		allowed := map[string]string{}
		for _, dv := range devs.For(c.Name) {
			used := false
			for _, f := range dv.Fields {
				allowed[f] = dv.ID
				if differs[f] {
					used = true
				}
			}
			if used {
				o.Deviations = append(o.Deviations, dv.ID)
			} else {
				o.Stale = append(o.Stale, dv.ID)
			}
		}
		for _, d := range o.Diffs {
			if _, ok := allowed[d.Field]; !ok {
				o.Unexpected = append(o.Unexpected, d)
			}
		}
		switch {
		case len(o.Unexpected) > 0:
			o.Status = StatusFail
		case len(o.Stale) > 0:
			o.Status = StatusStale
		case len(o.Deviations) > 0:
			o.Status = StatusDeviation
		default:
			o.Status = StatusPass
		}
		r.Outcomes = append(r.Outcomes, o)
	}
	return r
}

// Counts returns the number of outcomes per status.
func (r *Report) Counts() map[string]int {
	m := map[string]int{}
	for _, o := range r.Outcomes {
		m[o.Status]++
	}
	return m
}

// Failures returns the failed outcomes in matrix order.
func (r *Report) Failures() []Outcome {
	var out []Outcome
	for _, o := range r.Outcomes {
		if o.Failed() {
			out = append(out, o)
		}
	}
	return out
}

// Cell is one route × microversion-class cell of the matrix (or a row's,
// a column's or the whole run's total).
type Cell struct{ Pass, Total, Dev int }

// String is the cell as the tables show it: passed/total, "!" when some
// failed, "~" when some differ as a listed deviation, "." for no case.
func (c *Cell) String() string {
	if c == nil || c.Total == 0 {
		return "."
	}
	s := fmt.Sprintf("%d/%d", c.Pass, c.Total)
	if c.Pass < c.Total {
		s += "!"
	}
	if c.Dev > 0 {
		s += "~"
	}
	return s
}

// Grid is the route × microversion-class table of a report, with totals.
type Grid struct {
	Cells      map[string]map[string]*Cell // route → class → cell
	Rows, Cols map[string]*Cell
	All        *Cell
}

// Grid counts the outcomes into the route × microversion-class table.
func (r *Report) Grid() Grid {
	g := Grid{Cells: map[string]map[string]*Cell{}, Rows: map[string]*Cell{}, Cols: map[string]*Cell{}, All: &Cell{}}
	for _, o := range r.Outcomes {
		if g.Cells[o.Case.Route] == nil {
			g.Cells[o.Case.Route] = map[string]*Cell{}
		}
		for _, c := range []*Cell{
			get(g.Cells[o.Case.Route], o.Case.MV, func() *Cell { return &Cell{} }),
			get(g.Rows, o.Case.Route, func() *Cell { return &Cell{} }),
			get(g.Cols, o.Case.MV, func() *Cell { return &Cell{} }),
			g.All,
		} {
			c.Total++
			if !o.Failed() {
				c.Pass++
			}
			if o.Status == StatusDeviation {
				c.Dev++
			}
		}
	}
	return g
}

// WriteTable prints the route × microversion-class table: each cell is
// passed/total ("!" marks failures, "~" accepted deviations).
func (r *Report) WriteTable(w io.Writer) {
	g := r.Grid()
	tw := tabwriter.NewWriter(w, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "route \\ mv\t")
	for _, m := range r.MVs {
		fmt.Fprintf(tw, "%s\t", m)
	}
	fmt.Fprint(tw, "all\t\n")
	for _, route := range r.Routes {
		fmt.Fprintf(tw, "%s\t", route)
		for _, m := range r.MVs {
			fmt.Fprintf(tw, "%s\t", g.Cells[route][m])
		}
		fmt.Fprintf(tw, "%s\t\n", g.Rows[route])
	}
	fmt.Fprint(tw, "all\t")
	for _, m := range r.MVs {
		fmt.Fprintf(tw, "%s\t", g.Cols[m])
	}
	fmt.Fprintf(tw, "%s\t\n", g.All)
	tw.Flush()
	fmt.Fprintln(w, `cells: passed/total; "!" = failures, "~" = accepted deviations, "." = no case`)
}

func get[T any](m map[string]T, k string, mk func() T) T {
	v, ok := m[k]
	if !ok {
		v = mk()
		m[k] = v
	}
	return v
}

// WriteSummary prints the counts, the failures with their differences,
// the stale deviations and the accepted deviations.
func (r *Report) WriteSummary(w io.Writer, verbose bool) {
	c := r.Counts()
	fmt.Fprintf(w, "%d cases: %d pass, %d deviation, %d fail, %d stale, %d missing\n",
		len(r.Outcomes), c[StatusPass], c[StatusDeviation], c[StatusFail], c[StatusStale], c[StatusMissing])
	var fails, stale, missing, devs []Outcome
	for _, o := range r.Outcomes {
		switch o.Status {
		case StatusFail:
			fails = append(fails, o)
		case StatusStale:
			stale = append(stale, o)
		case StatusMissing:
			missing = append(missing, o)
		case StatusDeviation:
			devs = append(devs, o)
		}
	}
	if len(fails) > 0 {
		fmt.Fprintf(w, "\nFAILURES (%d):\n", len(fails))
		for _, o := range fails {
			fmt.Fprintf(w, "  %s\n", o.Case.Name)
			for _, d := range o.Unexpected {
				writeDiff(w, d, verbose)
			}
		}
	}
	if len(stale) > 0 {
		fmt.Fprintf(w, "\nSTALE DEVIATIONS (listed, but the case no longer differs there) (%d):\n", len(stale))
		for _, o := range stale {
			fmt.Fprintf(w, "  %s: %s\n", o.Case.Name, strings.Join(o.Stale, ", "))
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(w, "\nMISSING REFERENCE (%d):\n", len(missing))
		for _, o := range missing {
			fmt.Fprintf(w, "  %s\n", o.Case.Name)
		}
	}
	if len(devs) > 0 {
		byID := map[string][]string{}
		for _, o := range devs {
			for _, id := range o.Deviations {
				byID[id] = append(byID[id], o.Case.Name)
			}
		}
		ids := make([]string, 0, len(byID))
		for id := range byID {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		fmt.Fprintf(w, "\nACCEPTED DEVIATIONS (not failures) (%d cases):\n", len(devs))
		for _, id := range ids {
			fmt.Fprintf(w, "  %s (%d cases)\n", id, len(byID[id]))
			if verbose {
				for _, n := range byID[id] {
					fmt.Fprintf(w, "    %s\n", n)
				}
			}
		}
	}
}

func writeDiff(w io.Writer, d FieldDiff, verbose bool) {
	fmt.Fprintf(w, "    %s: want %s\n    %s  got  %s\n", d.Field, d.Want, strings.Repeat(" ", len(d.Field)), d.Got)
	if verbose && d.Detail != "" {
		for _, line := range strings.Split(d.Detail, "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
}
