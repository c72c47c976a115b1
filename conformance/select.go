package conformance

import (
	"regexp"
	"slices"
	"strings"
)

// Selection picks the cases of a run: names matching Filter (nil: all),
// then those whose route or microversion class is in Only (empty: all),
// minus those whose route or class is in Skip.
type Selection struct {
	Filter     *regexp.Regexp
	Only, Skip []string
}

// ParseList reads a comma-separated flag value (blanks dropped).
func ParseList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// Apply returns the selected cases, in matrix order.
func (s Selection) Apply(cases []Case) []Case {
	in := func(list []string, c Case) bool { return slices.Contains(list, c.Route) || slices.Contains(list, c.MV) }
	var out []Case
	for _, c := range cases {
		if (s.Filter == nil || s.Filter.MatchString(c.Name)) && (len(s.Only) == 0 || in(s.Only, c)) && !in(s.Skip, c) {
			out = append(out, c)
		}
	}
	return out
}
