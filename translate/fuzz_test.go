package translate

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseList: any query string gives a Glance query or a 400, never a
// panic, and the Glance query is a valid query string.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{"", "limit=2&marker=x", "name=in:a,b&status=ACTIVE", "property-os_distro=ubuntu&type=x",
		"limit=1_0&page_size=٣", "server=http%3A%2F%2Fh%2Fservers%2Fu", "%zz=%", "limit=99999999999999999999999", "changes-since=&&&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseList(raw)
		if err != nil {
			if err.Status != 400 {
				t.Fatalf("status %d for %q", err.Status, raw)
			}
			return
		}
		gq := q.GlanceQuery()
		if _, perr := url.ParseQuery(strings.TrimPrefix(gq, "?")); perr != nil {
			t.Fatalf("invalid Glance query %q from %q: %v", gq, raw, perr)
		}
		if q.PageSize <= 0 || q.Limit < 0 {
			t.Fatalf("page size %d limit %d from %q", q.PageSize, q.Limit, raw)
		}
		_ = q.NextLink("http://h/v2.1/images", int(q.LinkLimit), "last")
	})
}

// FuzzValidateMetadataBody: any body gives a metadata object or a 400.
func FuzzValidateMetadataBody(f *testing.F) {
	for _, s := range []string{`{"metadata": {"a": "1"}}`, `{"meta": {"a": "1"}}`, `null`, `[]`, `{"metadata": {"a/b": 1}}`,
		`{"metadata": {"a": 1e400}}`, `{"metadata": {}, "x": [1, {"y": null}]}`, `{bad`, ``} {
		f.Add([]byte(s), false, false)
		f.Add([]byte(s), true, true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, item, legacy bool) {
		body, err := ParseBody(raw)
		if err != nil {
			if err.Status != 400 {
				t.Fatalf("parse status %d", err.Status)
			}
			return
		}
		md, verr := ValidateMetadataBody(body, item, legacy)
		if verr != nil {
			if verr.Status != 400 || verr.Message == "" {
				t.Fatalf("validation error %v", verr)
			}
			return
		}
		for _, k := range md.Keys {
			if !ValidKey(k) {
				t.Fatalf("invalid key %q accepted", k)
			}
			if _, ok := md.Values[k].(string); !ok {
				t.Fatalf("non-string value accepted for %q", k)
			}
		}
		if item && md.Len() != 1 {
			t.Fatalf("item body with %d keys accepted", md.Len())
		}
	})
}
