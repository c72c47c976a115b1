package probe

import (
	"fmt"
	"net/url"
	"strings"
)

// ComputeBase is the scheme://host[:port][/prefix] in front of the first
// /v2.1 or /v2 path segment of a catalog's compute endpoint (which may go
// on with /<project_id>).
func ComputeBase(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		if seg == "v2.1" || seg == "v2" {
			u.Path, u.RawQuery = strings.Join(segs[:i], "/"), ""
			return strings.TrimRight(u.String(), "/"), nil
		}
	}
	return "", fmt.Errorf("compute endpoint %q has no /v2.1 or /v2 path", endpoint)
}
