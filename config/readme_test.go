package config

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeRow is the first four cells of a row of the README's
// configuration table, as written (backquotes included).
type readmeRow struct{ key, flag, env, def string }

// readmeRows reads the table under "## Configuration", up to the next
// heading; the meaning column is prose and not compared.
func readmeRows(t *testing.T, readme string) []readmeRow {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## Configuration\n")
	require.True(t, ok, "README has no ## Configuration section")
	if i := strings.Index(section, "\n#"); i >= 0 {
		section = section[:i]
	}
	var rows []readmeRow
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| YAML key") {
			continue
		}
		cells := strings.Split(line, "|")
		require.GreaterOrEqual(t, len(cells), 6, "row %q has too few cells", line)
		trim := func(i int) string { return strings.TrimSpace(cells[i]) }
		rows = append(rows, readmeRow{trim(1), trim(2), trim(3), trim(4)})
	}
	return rows
}

// wantRows is what the table of keys says the README's rows are.
func wantRows() []readmeRow {
	code := func(s string) string { return "`" + s + "`" }
	rows := []readmeRow{{"–", code("--" + configFileKey), code(envName(configFileKey)), "–"}}
	for _, k := range keys() {
		r := readmeRow{code(k.name), code("--" + k.flag()), code(k.env()), "–"}
		if k.fallback != "" {
			r.env += " (or " + code(k.fallback) + ")"
		}
		if k.def != "" {
			r.def = code(k.def)
		}
		rows = append(rows, r)
	}
	return rows
}

// rowDrift lists how got (the README's rows) differs from want (the
// table's): keys missing or extra, cells that differ, order.
func rowDrift(want, got []readmeRow) []string {
	var drift []string
	byKey := map[string]readmeRow{}
	for _, r := range got {
		byKey[r.key] = r
	}
	wantKeys := map[string]bool{}
	for _, w := range want {
		wantKeys[w.key] = true
		switch g, ok := byKey[w.key]; {
		case !ok:
			drift = append(drift, "README lacks "+w.key)
		case g != w:
			drift = append(drift, fmt.Sprintf("README row of %s is %v, the table's %v", w.key, g, w))
		}
	}
	for _, g := range got {
		if !wantKeys[g.key] {
			drift = append(drift, "README lists "+g.key+", which the table of keys lacks")
		}
	}
	if len(drift) == 0 && !slices.Equal(want, got) {
		drift = append(drift, "README rows not in the table's order (or repeated)")
	}
	return drift
}

// The README's table lists every key, in the table's order, with its
// flag, variable and default, and nothing else.
func TestREADMEConfigurationTable(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	require.Empty(t, rowDrift(wantRows(), readmeRows(t, string(data))))
}

// The check above notices each way the README can drift.
func TestREADMEDrift(t *testing.T) {
	listen := readmeRow{"`listen`", "`--listen`", "`IMAGEGW_LISTEN`", "`127.0.0.1:8774`"}
	region := readmeRow{"`region`", "`--region`", "`IMAGEGW_REGION`", "`RegionOne`"}
	want := []readmeRow{listen, region}
	for _, tt := range []struct {
		name   string
		readme string
		drift  string // "" for none
	}{
		{"in step", "| `listen` | `--listen` | `IMAGEGW_LISTEN` | `127.0.0.1:8774` | x |\n" +
			"| `region` | `--region` | `IMAGEGW_REGION` | `RegionOne` | y |\n", ""},
		{"missing key", "| `listen` | `--listen` | `IMAGEGW_LISTEN` | `127.0.0.1:8774` | x |\n", "lacks `region`"},
		{"other default", "| `listen` | `--listen` | `IMAGEGW_LISTEN` | `0.0.0.0:8774` | x |\n" +
			"| `region` | `--region` | `IMAGEGW_REGION` | `RegionOne` | y |\n", "row of `listen`"},
		{"no variable", "| `listen` | `--listen` | – | `127.0.0.1:8774` | x |\n" +
			"| `region` | `--region` | `IMAGEGW_REGION` | `RegionOne` | y |\n", "row of `listen`"},
		{"extra key", "| `listen` | `--listen` | `IMAGEGW_LISTEN` | `127.0.0.1:8774` | x |\n" +
			"| `region` | `--region` | `IMAGEGW_REGION` | `RegionOne` | y |\n| `old` | – | – | `1` | z |\n", "lists `old`"},
		{"order", "| `region` | `--region` | `IMAGEGW_REGION` | `RegionOne` | y |\n" +
			"| `listen` | `--listen` | `IMAGEGW_LISTEN` | `127.0.0.1:8774` | x |\n", "order"},
		{"rows after the next heading are not the table's", "| `listen` | `--listen` | `IMAGEGW_LISTEN` | `127.0.0.1:8774` | x |\n" +
			"\n### Next\n| `region` | `--region` | `IMAGEGW_REGION` | `RegionOne` | y |\n", "lacks `region`"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			readme := "# imagegw\n\n## Configuration\n\n| YAML key | flag | environment | default | meaning |\n|---|---|---|---|---|\n" + tt.readme
			drift := rowDrift(want, readmeRows(t, readme))
			if tt.drift == "" {
				require.Empty(t, drift)
				return
			}
			require.Len(t, drift, 1)
			require.Contains(t, drift[0], tt.drift)
		})
	}
}
