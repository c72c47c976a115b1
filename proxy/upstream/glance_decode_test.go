package upstream

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/proxy/upstream/upstreamtest"
)

// referenceDecode is what gophercloud's PageResultFrom does.
func referenceDecode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func requireSameDecode(t *testing.T, raw []byte) {
	t.Helper()
	want, werr := referenceDecode(raw)
	got, gerr := decodeJSON(raw)
	require.Equal(t, werr == nil, gerr == nil, "%q: encoding/json %v, go-json %v", raw, werr, gerr)
	if werr == nil {
		require.Equal(t, want, got, "%q", raw)
	}
}

var decodeSamples = []string{
	`{"images": [], "first": "/v2/images", "schema": "/v2/schemas/images"}`,
	`{"a": 1, "b": -0, "c": 1.5e-7, "d": 123456789012345678901234567890, "e": 1E+2, "f": null, "g": true}`,
	`{"s": "\ud83d\ude00 \ud83d \u0000 \/ \" \\ \b\f\n\r\t é"}`, "{\"s\": \"\xff\xfe\"}",
	`{"dup": 1, "dup": 2}`, `[1, [2, [3, {"x": {}}]]]`, `"x"`, `1`, `{"a": 1} trailing`, `{"a": 1}{"b": 2}`,
	``, `{`, `{"a": }`, `{"a": 1,}`, `[1 2]`, `{"a" 1}`, `nul`, `"\x"`, `{"a": 01}`, `{"a": .5}`, `{"a": 1.}`,
	`{"a": "` + "\t" + `"}`, ` {"a": [ ] } `,
}

func TestPageDecodeMatchesEncodingJSON(t *testing.T) {
	for _, s := range decodeSamples {
		requireSameDecode(t, []byte(s))
	}
	// every recorded Glance answer, alone and as a 1000-image page
	files, err := filepath.Glob("../../translate/testdata/views/*.glance.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		requireSameDecode(t, raw)
	}
	requireSameDecode(t, upstreamtest.GlancePage(t, 1000))
}

func FuzzPageDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range decodeSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { requireSameDecode(t, raw) })
}
