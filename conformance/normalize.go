package conformance

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// Normalized is a response with everything removed that legitimately
// differs between two correct servers. It is also the golden file format.
type Normalized struct {
	Status int `json:"status"`
	// Headers: lower-case names, Date dropped, values normalised.
	Headers map[string][]string `json:"headers"`
	// BodyKind is "json" (Body is the parsed document) or "text" (Body is
	// a string).
	BodyKind string `json:"body_kind"`
	Body     any    `json:"body"`
	// Error is a transport error instead of a response.
	Error string `json:"error,omitempty"`
}

// Placeholders the normaliser substitutes.
const (
	PHBase     = "{base}"
	PHGlance   = "{glance}"
	PHKeystone = "{keystone}"
	PHTime     = "{time}"
	PHReqID    = "req-{uuid}"
)

// Normalizer turns one server's responses into their normal form.
type Normalizer struct {
	repl []replacement
}

type replacement struct{ old, new string }

// NewNormalizer builds the normaliser for responses of the server at base
// (scheme://host:port) in front of cloud c.
func NewNormalizer(base string, c *Cloud) *Normalizer {
	n := &Normalizer{}
	n.add(strings.TrimRight(base, "/"), PHBase)
	if c != nil {
		n.add(strings.TrimRight(c.GlanceURL, "/"), PHGlance)
		n.add(c.KeystoneRoot(), PHKeystone)
		for name, id := range c.Projects {
			n.add(id, "{project:"+name+"}")
		}
	}
	return n
}

// add replaces old by new, longest old first, so that a URL is never
// half-replaced by a shorter one.
func (n *Normalizer) add(old, new string) {
	if old == "" {
		return
	}
	n.repl = append(n.repl, replacement{old, new})
	sort.SliceStable(n.repl, func(i, j int) bool { return len(n.repl[i].old) > len(n.repl[j].old) })
}

// Redacted replaces a secret wherever a normalised answer would carry it.
const Redacted = "<redacted>"

// Redacting adds secrets (tokens) to what n replaces, with Redacted, so
// no report or file made from its output carries them.
func (n *Normalizer) Redacting(secrets ...string) *Normalizer {
	for _, sec := range secrets {
		n.add(sec, Redacted)
	}
	return n
}

var reqIDRE = regexp.MustCompile(`req-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// String normalises a piece of text: URLs, project ids, request ids.
func (n *Normalizer) String(s string) string {
	for _, r := range n.repl {
		if strings.Contains(s, r.old) {
			s = strings.ReplaceAll(s, r.old, r.new)
		}
	}
	return reqIDRE.ReplaceAllString(s, PHReqID)
}

// droppedHeaders never take part in a comparison and are not recorded.
var droppedHeaders = map[string]bool{"date": true}

// Response normalises one exchange's response.
func (n *Normalizer) Response(ex *Exchange) Normalized {
	if ex.Err != nil {
		return Normalized{Error: n.String(ex.Err.Error()), Headers: map[string][]string{}, BodyKind: "text", Body: ""}
	}
	out := Normalized{Status: ex.Response.Status, Headers: map[string][]string{}}
	for name, vals := range ex.Response.Header {
		lname := strings.ToLower(name)
		if droppedHeaders[lname] {
			continue
		}
		for _, v := range vals {
			out.Headers[lname] = append(out.Headers[lname], n.String(v))
		}
	}
	out.BodyKind, out.Body = n.Body(ex.Response.Body)
	return out
}

// Body normalises a body: parsed JSON with strings normalised and image
// timestamps replaced, or normalised text.
func (n *Normalizer) Body(b []byte) (kind string, body any) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) > 0 && json.Valid(trimmed) {
		var v any
		if err := json.Unmarshal(trimmed, &v); err == nil {
			return "json", n.walk(v)
		}
	}
	return "text", n.String(string(b))
}

// walk normalises every string (keys included) of a parsed JSON value and
// the created/updated timestamps of images (objects carrying both keys;
// version documents only have "updated", which is a constant).
func (n *Normalizer) walk(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		_, hasCreated := x["created"]
		_, hasUpdated := x["updated"]
		for k, val := range x {
			if hasCreated && hasUpdated && (k == "created" || k == "updated") {
				if _, isString := val.(string); isString {
					out[k] = PHTime
					continue
				}
			}
			out[n.String(k)] = n.walk(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = n.walk(val)
		}
		return out
	case string:
		return n.String(x)
	}
	return v
}

// HeaderValues returns the values of a header by (any-case) name.
func (r Normalized) HeaderValues(name string) []string {
	return r.Headers[strings.ToLower(name)]
}

// canonicalJSON renders a value with sorted keys (for equality and diffs).
func canonicalJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}
