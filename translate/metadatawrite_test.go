package translate

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func body(t *testing.T, s string) any {
	t.Helper()
	v, err := ParseBody([]byte(s))
	require.Nil(t, err)
	return v
}

func TestNewMetadataWrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind WriteKind
		key  string
		body string
		msg  string // "": accepted
	}{
		{"create", CreateMetadata, "", `{"metadata": {"a": "1"}}`, ""},
		{"create without metadata", CreateMetadata, "", `{"meta": {"a": "1"}}`, "'metadata' is a required property"},
		{"update all, value not a string", UpdateAllMetadata, "", `{"metadata": {"a": 1}}`, "Invalid input for field/attribute a. Value: 1. 1 is not of type 'string'"},
		{"item", UpdateMetadataItem, "a", `{"meta": {"a": "1"}}`, ""},
		{"item of another key", UpdateMetadataItem, "b", `{"meta": {"a": "1"}}`, MsgURIMismatch},
		{"item with two keys", UpdateMetadataItem, "a", `{"meta": {"a": "1", "b": "2"}}`, "Invalid input for field/attribute meta. Value: {'a': '1', 'b': '2'}. {'a': '1', 'b': '2'} has too many properties"},
		{"delete needs no body", DeleteMetadataItem, "a", ``, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b any
			if tc.body != "" {
				b = body(t, tc.body)
			}
			w, err := NewMetadataWrite(tc.kind, tc.key, b, false)
			if tc.msg == "" {
				require.Nil(t, err)
				require.NotNil(t, w)
				return
			}
			require.NotNil(t, err)
			require.Equal(t, 400, err.Status)
			require.Equal(t, tc.msg, err.Message)
		})
	}
}

// Plan decides every write from the image as Glance has it; Answer is
// Nova's answer after the patch.
func TestMetadataWritePlan(t *testing.T) {
	image := GlanceImage{"id": "i1", "status": "active", "min_ram": float64(0), "a": "1", "b": "2"}
	patched := GlanceImage{"id": "i1", "status": "active", "a": "1", "b": "2", "c": "3"}
	for _, tc := range []struct {
		name   string
		kind   WriteKind
		key    string
		body   string
		quota  int
		ops    []PatchOp
		fault  int
		status int
		answer string
	}{
		{"merge", CreateMetadata, "", `{"metadata": {"c": "3"}}`, 128,
			[]PatchOp{{Op: "add", Path: "/c", Value: "3"}}, 0, 200, `{"metadata": {"a": "1", "b": "2", "c": "3"}}`},
		{"merge over quota", CreateMetadata, "", `{"metadata": {"c": "3"}}`, 2, nil, 403, 0, ""},
		{"merge, unlimited quota", CreateMetadata, "", `{"metadata": {"c": "3"}}`, -1,
			[]PatchOp{{Op: "add", Path: "/c", Value: "3"}}, 0, 200, ""},
		{"merge of nothing still asks Glance", CreateMetadata, "", `{"metadata": {}}`, 128,
			[]PatchOp{{Op: "replace", Path: "/min_ram", Value: int64(0)}}, 0, 200, ""},
		{"refused key", CreateMetadata, "", `{"metadata": {"created_at": "x"}}`, 128, nil, 403, 0, ""},
		{"replace all", UpdateAllMetadata, "", `{"metadata": {"a": "9"}}`, 128,
			[]PatchOp{{Op: "add", Path: "/a", Value: "9"}, {Op: "remove", Path: "/b"}}, 0, 200, `{"metadata": {"a": "9"}}`},
		{"replace all counts the body only", UpdateAllMetadata, "", `{"metadata": {"x": "1"}}`, 1,
			[]PatchOp{{Op: "add", Path: "/x", Value: "1"}, {Op: "remove", Path: "/a"}, {Op: "remove", Path: "/b"}}, 0, 200, ""},
		{"item", UpdateMetadataItem, "c", `{"meta": {"c": "3"}}`, 128,
			[]PatchOp{{Op: "add", Path: "/c", Value: "3"}}, 0, 200, `{"meta": {"c": "3"}}`},
		{"item over quota", UpdateMetadataItem, "c", `{"meta": {"c": "3"}}`, 2, nil, 403, 0, ""},
		{"item replacing within quota", UpdateMetadataItem, "a", `{"meta": {"a": "3"}}`, 2,
			[]PatchOp{{Op: "add", Path: "/a", Value: "3"}}, 0, 200, ""},
		{"delete", DeleteMetadataItem, "a", ``, 128, []PatchOp{{Op: "remove", Path: "/a"}}, 0, 204, ""},
		{"delete of a missing key", DeleteMetadataItem, "z", ``, 128, nil, 404, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b any
			if tc.body != "" {
				b = body(t, tc.body)
			}
			w, verr := NewMetadataWrite(tc.kind, tc.key, b, false)
			require.Nil(t, verr)
			plan, err := w.Plan("i1", image, tc.quota)
			if tc.fault != 0 {
				require.NotNil(t, err)
				require.Equal(t, tc.fault, err.Status, err.Message)
				return
			}
			require.Nil(t, err)
			require.Equal(t, tc.ops, plan.Ops)
			status, answer := plan.Answer(patched)
			require.Equal(t, tc.status, status)
			if tc.answer != "" {
				b, err := json.Marshal(answer)
				require.NoError(t, err)
				require.JSONEq(t, tc.answer, string(b))
			}
		})
	}
}
