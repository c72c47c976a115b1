package translate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestValidationMatchesNova replays the bodies recorded through Nova's own
// validator (scripts/record-validation-fixtures.py) in both API modes.
func TestValidationMatchesNova(t *testing.T) {
	var fx struct {
		Cases []struct {
			Body      string  `json:"body"`
			Route     string  `json:"route"`
			Legacy    bool    `json:"legacy"`
			Error     *string `json:"error"`
			ValidBody *string `json:"valid_body"`
		} `json:"cases"`
	}
	readJSON(t, "testdata/metadata_validation.json", &fx)
	require.Greater(t, len(fx.Cases), 200)
	for _, c := range fx.Cases {
		name := c.Route + map[bool]string{true: "/legacy/", false: "/v2.1/"}[c.Legacy] + c.Body
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			body, perr := ParseBody([]byte(c.Body))
			require.Nil(t, perr)
			meta, err := ValidateMetadataBody(body, c.Route == "meta", c.Legacy)
			if c.Error != nil {
				require.NotNil(t, err, "Nova rejects this body")
				require.Equal(t, 400, err.Status)
				require.Equal(t, *c.Error, err.Message)
				return
			}
			require.Nil(t, err, "Nova accepts this body")
			var want map[string]any
			require.NoError(t, json.Unmarshal([]byte(*c.ValidBody), &want))
			got, jerr := json.Marshal(meta)
			require.NoError(t, jerr)
			var gotMap map[string]any
			require.NoError(t, json.Unmarshal(got, &gotMap))
			require.Equal(t, want[c.Route], gotMap)
		})
	}
}

func TestParseBody(t *testing.T) {
	for _, raw := range []string{"{", "{'a': 1}", "[1,]", "{} x", "nul"} {
		_, err := ParseBody([]byte(raw))
		require.NotNil(t, err, raw)
		require.Equal(t, "Malformed request body", err.Message)
	}
	v, err := ParseBody(nil)
	require.Nil(t, err)
	require.Nil(t, v)
	v, err = ParseBody([]byte(`{"b": 1, "a": 2, "b": 3}`))
	require.Nil(t, err)
	require.Equal(t, []string{"b", "a"}, v.(*Object).Keys)
	require.Equal(t, "{'b': 3, 'a': 2}", PyRepr(v))
}

// Issue 14, item 4: bytes that are not UTF-8 are a malformed body (400),
// never U+FFFD stored in Glance (Nova Zed answers 500: README).
func TestParseBodyRejectsInvalidUTF8(t *testing.T) {
	for name, value := range map[string]string{
		"0xff":            "a\xffb",
		"latin-1 e-acute": "caf\xe9",
		"overlong slash":  "\xc0\xaf",
		"cesu surrogate":  "\xed\xa0\x80",
		"truncated":       "\xe2\x82",
	} {
		_, err := ParseBody([]byte(`{"metadata": {"k": "` + value + `"}}`))
		require.NotNil(t, err, name)
		require.Equal(t, 400, err.Status, name)
		require.Equal(t, "Malformed request body", err.Message, name)
	}
	v, err := ParseBody([]byte("{\"metadata\": {\"k\": \"caf\xc3\xa9 \xf0\x9f\x98\x80\"}}"))
	require.Nil(t, err, "valid UTF-8")
	require.Equal(t, "café 😀", v.(*Object).Values["metadata"].(*Object).Values["k"])
}

func TestPyRepr(t *testing.T) {
	for raw, want := range map[string]string{
		`null`: "None", `true`: "True", `"it's"`: `"it's"`, `"a\"b'c"`: `'a"b\'c'`, `"\n\t\\"`: `'\n\t\\'`,
		`"\u00e9\u2603"`: "'é☃'", `"\u0001"`: `'\x01'`, `"\u0085"`: `'\x85'`, `"\u2028"`: `'\u2028'`,
		`1`: "1", `-0`: "0", `1.0`: "1.0", `-0.0`: "-0.0", `1e16`: "1e+16", `1e15`: "1000000000000000.0",
		`0.0001`: "0.0001", `0.00001`: "1e-05", `1e400`: "inf", `[1, "x", {}]`: "[1, 'x', {}]",
	} {
		v, err := DecodeJSON([]byte(raw))
		require.NoError(t, err, raw)
		require.Equal(t, want, PyRepr(v), raw)
	}
}

func obj(kv ...string) *Object {
	o := &Object{Values: map[string]any{}}
	for i := 0; i < len(kv); i += 2 {
		o.Keys = append(o.Keys, kv[i])
		o.Values[kv[i]] = kv[i+1]
	}
	return o
}

func TestPatchOps(t *testing.T) {
	current := map[string]any{"a": "1", "b": "2", "os_glance_x": "y"}
	require.Equal(t, []PatchOp{{Op: "add", Path: "/b", Value: "3"}, {Op: "add", Path: "/c d", Value: "4"}},
		MergeOps(obj("b", "3", "c d", "4")))
	require.Equal(t, []PatchOp{{Op: "add", Path: "/a", Value: "1"}, {Op: "remove", Path: "/b"}, {Op: "remove", Path: "/os_glance_x"}},
		ReplaceOps(current, obj("a", "1")))
	// base attributes and empty kernel/ramdisk ids are never sent
	require.Empty(t, MergeOps(obj("name", "x", "status", "active", "kernel_id", "None", "ramdisk_id", "", "deleted", "1")))
	require.Equal(t, []PatchOp{{Op: "add", Path: "/kernel_id", Value: "k"}}, MergeOps(obj("kernel_id", "k")))
	require.Equal(t, []PatchOp{{Op: "remove", Path: "/x~1y~0"}}, RemoveOps("x/y~"))
	require.Equal(t, 4, CountAfterMerge(current, obj("a", "9", "new", "1")))
}

func TestValidKey(t *testing.T) {
	for k, want := range map[string]bool{
		"a": true, "A-b_c:d.e f": true, strings.Repeat("k", 255): true, strings.Repeat("k", 256): false,
		"abc\n": true, "": false, "a/b": false, "=": false, "é": false, "\n": false,
	} {
		require.Equal(t, want, ValidKey(k), "%q", k)
	}
}

func TestRefusedWrite(t *testing.T) {
	img := GlanceImage{"id": "x", "status": "active"}
	for _, tc := range []struct {
		body    *Object
		refused bool
	}{
		{obj("a", "1"), false},
		{obj("status", "active"), false}, // same value: a no-op in Nova
		{obj("status", "queued"), true},
		{obj("a", "1", "created_at", "x"), true},
		{obj("deleted", "x"), true},
		{obj("schema", "x"), true},
		{obj("name", "x", "id", "y"), false}, // dropped silently
	} {
		require.Equal(t, tc.refused, RefusedWrite(tc.body, img), "%v", tc.body.Keys)
	}
}

func TestAuthorizedNeverSendsAnEmptyPatch(t *testing.T) {
	img := GlanceImage{"min_ram": json.Number("512")}
	require.Equal(t, []PatchOp{{Op: "replace", Path: "/min_ram", Value: int64(512)}}, Authorized(nil, img))
	ops := []PatchOp{{Op: "add", Path: "/a", Value: "1"}}
	require.Equal(t, ops, Authorized(ops, img))
}
