package conformance

import (
	"fmt"
	"regexp"
	"strings"
)

// Header is one request header line (lines may repeat, order is kept).
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Case is one request of the matrix.
type Case struct {
	// Name is unique and stable: route/url-form/mv-class/user/variant.
	Name string `json:"name"`
	// Route groups cases in reports (images.list, metadata.create, versions …).
	Route string `json:"route"`
	// MV is the microversion class (none, 2.1, 2.35, 2.36, 2.38, 2.39,
	// latest, malformed, out-of-range, precedence, whitespace, n/a).
	MV     string `json:"mv"`
	Method string `json:"method"`
	// Path is a template: {project:demo}, {image:ref-active},
	// {image-upper:…}, {image-nodash:…} and {instance_uuid} are resolved
	// from the cloud's seed.json at run time.
	Path    string   `json:"path"`
	Headers []Header `json:"headers,omitempty"`
	// Body is sent when non-nil (placeholders are resolved in it too).
	Body *string `json:"body,omitempty"`
	// User: demo, alt, admin, other, reader, "" (no token), "bad".
	User string `json:"user"`
}

// Header returns the value of the first request header named name.
func (c Case) Header(name string) (string, bool) {
	for _, h := range c.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

var placeholderRE = regexp.MustCompile(`\{(project|image|image-upper|image-nodash|instance_uuid)(?::([^{}]+))?\}`)

// Placeholders lists the placeholders used in s (e.g. "{image:ref-active}").
func Placeholders(s string) []string {
	return placeholderRE.FindAllString(s, -1)
}

// Resolve replaces the placeholders of s with the cloud's ids.
func (c *Cloud) Resolve(s string) (string, error) {
	var err error
	out := placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		kind, arg := sub[1], sub[2]
		switch kind {
		case "project":
			if id, ok := c.Projects[arg]; ok {
				return id
			}
		case "image", "image-upper", "image-nodash":
			if id, ok := c.Images[arg]; ok {
				switch kind {
				case "image-upper":
					return strings.ToUpper(id)
				case "image-nodash":
					return strings.ReplaceAll(id, "-", "")
				}
				return id
			}
		case "instance_uuid":
			if c.InstanceUUID != "" {
				return c.InstanceUUID
			}
		}
		if err == nil {
			err = fmt.Errorf("unknown placeholder %s", m)
		}
		return m
	})
	return out, err
}

// safeNameRE matches what may appear in a golden file name.
var unsafeNameRE = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// FileName is the golden file name of a case: the name with unsafe
// characters replaced, shortened, plus a hash of the full name so that
// distinct names never collide.
func FileName(name string) string {
	s := unsafeNameRE.ReplaceAllString(name, "_")
	s = strings.Trim(s, "_.")
	if len(s) > 100 {
		s = s[:100]
	}
	return s + "." + shortHash(name) + ".json"
}
