package proxy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		path   string
		kind   pathKind
		legacy bool
	}{
		{"/", outsideAPI, false},
		{"/healthz", outsideAPI, false},
		{"/v2.1", mountDoc, false},
		{"/v2", mountDoc, true},
		{"/v2.1/", mountRoot, false},
		{"/v2/", mountRoot, true},
		{"/v2.1/images", inAPI, false},
		{"/v2/p1/images/x/metadata", inAPI, true},
		{"/v2.1foo", outsideAPI, false},
		{"/v2foo/images", outsideAPI, false},
		{"/v2.2/images", outsideAPI, false},
		{"/V2.1/images", outsideAPI, false},
	} {
		got := classify(tc.path)
		require.Equal(t, pathClass{tc.kind, tc.legacy}, got, tc.path)
	}
}

// Every route is served under every API prefix, found by its pattern, and
// labelled by its own operation.
func TestRouteTableFeedsRouterAndLabels(t *testing.T) {
	s, _ := newTestServer(t, nil)
	require.Len(t, s.routeOf, len(routes)*len(apiPrefixes))
	ops := map[string]bool{}
	for i := range routes {
		r := &routes[i]
		require.False(t, ops[r.op], "one operation per route: %s", r.op)
		ops[r.op] = true
		for _, prefix := range apiPrefixes {
			require.Same(t, r, s.routeOf[routeKey{r.method, prefix + r.path}], prefix+r.path)
		}
	}
	registered := 0
	for _, er := range s.Echo().Routes() {
		if rt := s.routeOf[routeKey{er.Method, er.Path}]; rt != nil {
			registered++
		}
	}
	require.Equal(t, len(s.routeOf), registered, "each pattern registered with Echo once")
}
