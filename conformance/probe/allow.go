package probe

import "github.com/imagegw/imagegw/conformance"

// allow applies the deviations as the probe reads them. They are
// allowances: a target that answers as Nova does where imagegw deviates
// (Nova itself, another gateway) passes those cases, where the lab's run
// command, whose target is always imagegw, calls them stale. And where a
// case knows the answer of the documented deviation (Case.Deviant), only
// that answer is allowed, not any difference in the listed fields.
func allow(rep *conformance.Report, cases []Case, got map[string]conformance.Normalized) {
	deviant := map[string]*conformance.Normalized{}
	for _, c := range cases {
		if c.Deviant != nil {
			deviant[c.Name] = c.Deviant
		}
	}
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		if o.Status == conformance.StatusStale {
			o.Stale, o.Status = nil, conformance.StatusPass
			if len(o.Deviations) > 0 {
				o.Status = conformance.StatusDeviation
			}
		}
		d := deviant[o.Case.Name]
		if o.Status != conformance.StatusDeviation || d == nil {
			continue
		}
		// differs from Nova's answer and from the deviation's: the report
		// shows the differences from the deviation's (Diffs and Unexpected
		// alike, so JUnit, HTML and the table agree)
		if diffs := conformance.Compare(*d, got[o.Case.Name]); len(diffs) > 0 {
			o.Status, o.Diffs, o.Unexpected, o.Deviations = conformance.StatusFail, diffs, diffs, nil
		}
	}
}
