package conformance

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func exchange(status int, h http.Header, body string) *Exchange {
	return &Exchange{Response: Response{Status: status, Header: h, Body: []byte(body)}}
}

func TestNormalizeResponse(t *testing.T) {
	c := fakeCloud()
	demo := c.Projects["demo"]
	n := NewNormalizer("http://127.0.0.1:38774", c)
	h := http.Header{}
	h["Openstack-Api-Version"] = []string{"compute 2.35"}
	h["Vary"] = []string{"OpenStack-API-Version", "X-OpenStack-Nova-API-Version"}
	h["Date"] = []string{"Mon, 23 Nov 2026 13:12:28 GMT"}
	h["X-Openstack-Request-Id"] = []string{"req-4d59cfe7-e0f6-4a0e-97db-3c398c7111b7"}
	h["Www-Authenticate"] = []string{`Keystone uri="http://127.0.0.1:25000"`}
	body := `{"image": {"id": "x", "created": "2026-11-23T13:12:28Z", "updated": "2026-11-23T13:12:29Z",
		"links": [{"rel": "self", "href": "http://127.0.0.1:38774/v2.1/` + demo + `/images/x"},
		          {"rel": "alternate", "href": "http://127.0.0.1:29292/images/x"}],
		"metadata": {"note": "req-4d59cfe7-e0f6-4a0e-97db-3c398c7111b7"}}}`
	got := n.Response(exchange(200, h, body))

	assert.Equal(t, 200, got.Status)
	assert.Equal(t, map[string][]string{
		"openstack-api-version":  {"compute 2.35"},
		"vary":                   {"OpenStack-API-Version", "X-OpenStack-Nova-API-Version"},
		"x-openstack-request-id": {PHReqID},
		"www-authenticate":       {`Keystone uri="{keystone}"`},
	}, got.Headers, "names lower-cased, Date dropped, values kept")
	require.Equal(t, "json", got.BodyKind)
	im := got.Body.(map[string]any)["image"].(map[string]any)
	assert.Equal(t, PHTime, im["created"])
	assert.Equal(t, PHTime, im["updated"])
	links := im["links"].([]any)
	assert.Equal(t, "{base}/v2.1/{project:demo}/images/x", links[0].(map[string]any)["href"])
	assert.Equal(t, "{glance}/images/x", links[1].(map[string]any)["href"])
	assert.Equal(t, PHReqID, im["metadata"].(map[string]any)["note"])
}

func TestNormalizeKeepsConstantTimestamps(t *testing.T) {
	n := NewNormalizer("http://h:1", nil)
	kind, body := n.Body([]byte(`{"version": {"id": "v2.1", "updated": "2013-07-23T11:33:21Z"}}`))
	require.Equal(t, "json", kind)
	assert.Equal(t, "2013-07-23T11:33:21Z", body.(map[string]any)["version"].(map[string]any)["updated"],
		"only objects with both created and updated are images")
	_, body = n.Body([]byte(`{"created": null, "updated": "2013-07-23T11:33:21Z"}`))
	assert.Nil(t, body.(map[string]any)["created"], "null stays null")
	assert.Equal(t, PHTime, body.(map[string]any)["updated"])
}

func TestNormalizeTextAndEmpty(t *testing.T) {
	n := NewNormalizer("http://127.0.0.1:38774", fakeCloud())
	kind, body := n.Body([]byte("<html>http://127.0.0.1:38774/x</html>"))
	assert.Equal(t, "text", kind)
	assert.Equal(t, "<html>{base}/x</html>", body)
	kind, body = n.Body(nil)
	assert.Equal(t, "text", kind)
	assert.Equal(t, "", body)
	kind, _ = n.Body([]byte("  {\"a\": 1}\n"))
	assert.Equal(t, "json", kind, "white space around JSON is fine")
	kind, _ = n.Body([]byte(`{"a": 1} x`))
	assert.Equal(t, "text", kind)
}

func TestNormalizeLongestFirst(t *testing.T) {
	c := &Cloud{GlanceURL: "http://127.0.0.1:292", KeystoneURL: "http://127.0.0.1:29/v3", Projects: map[string]string{}}
	n := NewNormalizer("http://127.0.0.1:2929", c)
	assert.Equal(t, "{glance} {base} {keystone}", n.String("http://127.0.0.1:292 http://127.0.0.1:2929 http://127.0.0.1:29"))
}

func TestNormalizeTransportError(t *testing.T) {
	n := NewNormalizer("http://127.0.0.1:38774", nil)
	got := n.Response(&Exchange{Err: errors.New("dial http://127.0.0.1:38774: refused")})
	assert.Equal(t, "dial {base}: refused", got.Error)
	assert.Equal(t, []FieldDiff{{Field: FieldError, Want: `""`, Got: `"dial {base}: refused"`}},
		Compare(Normalized{Status: 200, BodyKind: "text", Body: ""}, got))
}

func norm(status int, headers map[string][]string, kind string, body any) Normalized {
	if headers == nil {
		headers = map[string][]string{}
	}
	return Normalized{Status: status, Headers: headers, BodyKind: kind, Body: body}
}

func TestCompare(t *testing.T) {
	hdr := map[string][]string{
		"content-type":                 {"application/json"},
		"openstack-api-version":        {"compute 2.35"},
		"x-openstack-nova-api-version": {"2.35"},
		"vary":                         {"OpenStack-API-Version", "X-OpenStack-Nova-API-Version"},
		"content-length":               {"123"},
		"x-compute-request-id":         {PHReqID},
	}
	n := NewNormalizer("http://h", nil)
	_, a := n.Body([]byte(`{"a": 1, "b": [1, 2, {"c": "x"}]}`))
	_, b := n.Body([]byte(`{"b":[1,2,{"c":"x"}],"a":1.0}`))
	want := norm(200, hdr, "json", a)

	t.Run("equal despite key order, spacing, framing headers", func(t *testing.T) {
		other := map[string][]string{}
		for k, v := range hdr {
			other[k] = v
		}
		other["content-length"] = []string{"99"} // framing: not compared (not a 204)
		delete(other, "x-compute-request-id")
		assert.Empty(t, Compare(want, norm(200, other, "json", b)))
	})
	t.Run("status and body", func(t *testing.T) {
		_, c := n.Body([]byte(`{"a": 2, "b": [1, 2, {"c": "x"}], "d": true}`))
		d := Compare(want, norm(404, hdr, "json", c))
		require.Len(t, d, 2)
		assert.Equal(t, FieldStatus, d[0].Field)
		assert.Equal(t, FieldBody, d[1].Field)
		assert.Contains(t, d[1].Detail, "$.a: want 1, got 2")
		assert.Contains(t, d[1].Detail, "$.d: unexpected true")
	})
	t.Run("json vs text", func(t *testing.T) {
		d := Compare(want, norm(200, hdr, "text", `{"a": 1`))
		require.Len(t, d, 1)
		assert.Equal(t, FieldBody, d[0].Field)
	})
	t.Run("vary lines: all values in order", func(t *testing.T) {
		for _, v := range [][]string{
			{"X-OpenStack-Nova-API-Version", "OpenStack-API-Version"},
			{"OpenStack-API-Version, X-OpenStack-Nova-API-Version"},
			{"OpenStack-API-Version"},
			nil,
		} {
			other := map[string][]string{}
			for k, val := range hdr {
				other[k] = val
			}
			if v == nil {
				delete(other, "vary")
			} else {
				other["vary"] = v
			}
			d := Compare(want, norm(200, other, "json", a))
			require.Len(t, d, 1, "%v", v)
			assert.Equal(t, "header:vary", d[0].Field)
		}
	})
	t.Run("www-authenticate presence", func(t *testing.T) {
		w := norm(401, map[string][]string{"www-authenticate": {`Keystone uri="{keystone}"`}}, "text", "")
		d := Compare(w, norm(401, nil, "text", ""))
		require.Len(t, d, 1)
		assert.Equal(t, `header:www-authenticate: want ["Keystone uri=\"{keystone}\""], got (absent)`, d[0].String())
	})
	t.Run("content-length only on 204", func(t *testing.T) {
		w := norm(204, map[string][]string{"content-length": {"0"}, "content-type": {"application/json"}}, "text", "")
		g := norm(204, map[string][]string{"content-type": {"application/json"}}, "text", "")
		d := Compare(w, g)
		require.Len(t, d, 1)
		assert.Equal(t, "header:content-length", d[0].Field)
		assert.Empty(t, Compare(g, g))
	})
	t.Run("content-length present where Nova's was (a chunked answer is another wire)", func(t *testing.T) {
		chunked := map[string][]string{}
		for k, v := range hdr {
			chunked[k] = v
		}
		delete(chunked, "content-length")
		d := Compare(want, norm(200, chunked, "json", b))
		require.Len(t, d, 1)
		assert.Equal(t, "header:content-length: want present, got (absent)", d[0].String())
		assert.Empty(t, Compare(norm(200, chunked, "json", a), want), "only where Nova sent one")
	})
	t.Run("header name case never matters", func(t *testing.T) {
		assert.Equal(t, hdr["vary"], want.HeaderValues("Vary"))
	})
}

func TestJSONDiffLimit(t *testing.T) {
	w := map[string]any{}
	g := map[string]any{}
	for i := 0; i < 30; i++ {
		w[string(rune('a'+i%26))+string(rune('a'+i/26))] = float64(i)
	}
	assert.Len(t, JSONDiff(w, g, 5), 5)
	assert.Equal(t, []string{"  $[1]: want 2, got 3", "  $: want 2 elements, got 3"}[0:1],
		JSONDiff([]any{1.0, 2.0}, []any{1.0, 3.0}, 10))
	assert.Equal(t, []string{"  $: want 2 elements, got 3"}, JSONDiff([]any{1.0, 2.0}, []any{1.0, 2.0, 3.0}, 10))
}

func TestRedactingRemovesSecretsEverywhere(t *testing.T) {
	n := NewNormalizer("http://gw", nil).Redacting("tok-123", "")
	ex := &Exchange{Response: Response{Status: 200,
		Header: map[string][]string{"X-Echo": {"tok-123"}}, Body: []byte(`{"token": "tok-123", "x": "a tok-123 b"}`)}}
	got := n.Response(ex)
	require.Equal(t, []string{Redacted}, got.Headers["x-echo"])
	require.Equal(t, map[string]any{"token": Redacted, "x": "a " + Redacted + " b"}, got.Body)
}
