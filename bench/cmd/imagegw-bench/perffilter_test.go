package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// perfInclusiveFilter is the line of scripts/bench/profile.sh that filters perf's
// inclusive (children) list, and its grep -E patterns in order.
func perfInclusiveFilter(t *testing.T) (string, []*regexp.Regexp) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "scripts", "bench", "profile.sh"))
	require.NoError(t, err)
	lines := strings.Split(string(raw), "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "--children --sort symbol") })
	require.GreaterOrEqual(t, i, 0, "no perf report --children in scripts/bench/profile.sh")
	require.Less(t, i+1, len(lines))
	var res []*regexp.Regexp
	for _, m := range regexp.MustCompile(`grep -E '([^']*)'`).FindAllStringSubmatch(lines[i+1], -1) {
		res = append(res, regexp.MustCompile(m[1]))
	}
	require.NotEmpty(t, res, "no grep -E on the line after perf report --children")
	return lines[i+1], res
}

// TestPerfFilterKeepsStageSymbols fails when scripts/bench/profile.sh would drop
// the perf line of a stage symbol before the report reads it: the row
// would only ever say "not in profile", as it would below a line count
// (head) once a stage's share is small. A line is built the way perf
// prints it (shares, [.], the symbol padded with spaces); imagegw's own
// symbols carry the module path perf prints before them.
func TestPerfFilterKeepsStageSymbols(t *testing.T) {
	filter, greps := perfInclusiveFilter(t)
	require.NotContains(t, filter, "head", "a line count can cut a stage symbol off")
	for _, sym := range stageSymbols() {
		t.Run(sym, func(t *testing.T) {
			name := sym
			if !slices.Contains(externalSymbols, sym) {
				name = "github.com/imagegw/imagegw/" + sym
			}
			line := "     1.23%     0.00%  [.] " + name + "          -      -"
			for _, re := range greps {
				require.Regexp(t, re, line)
			}
		})
	}
}
