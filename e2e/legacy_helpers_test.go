//go:build e2e

package e2e

// Real, unmodified legacy clients against imagegw in front of the real
// Keystone + Glance:
//
//   - gophercloud v1 (the last v1 release, openstack/compute/v2/images),
//     in process (legacy_gophercloud_test.go);
//   - openstacksdk and the openstack CLI from Debian (python3-openstacksdk,
//     python3-openstackclient; scripts/clients/install.sh installs them),
//     driven by scripts/clients/sdk_images.py, whose JSON output is
//     asserted on here (legacy_sdk_test.go, legacy_cli_test.go).
//
// Run alone: go test -count=1 -tags e2e -run 'Legacy|Client' ./e2e/

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// lcShow is imagegw's raw GET /v2.1/images/{id} as demo.
func lcShow(t *testing.T, id string) map[string]any {
	t.Helper()
	r := gw(t, "GET", "/v2.1/images/"+id, "demo", nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	return r.JSON(t)["image"].(map[string]any)
}

// glanceStatus is the status of GET /v2/images/{id} on Glance as demo.
func glanceStatus(t *testing.T, id string) int {
	t.Helper()
	return do(t, world.glance, "GET", "/v2/images/"+id, "demo", nil, "").Status
}

// stableList runs list between two Glance listings of the same query (as
// demo) and returns its ids with Glance's. When another process changes the
// cloud's images in between it tries again (3 times at most).
func stableList(t *testing.T, glanceQuery string, list func() []string) (got, glance []string) {
	t.Helper()
	for range 3 {
		before := glanceIDs(t, "demo", glanceQuery)
		got = list()
		after := glanceIDs(t, "demo", glanceQuery)
		if strings.Join(before, ",") == strings.Join(after, ",") {
			return got, after
		}
	}
	t.Fatalf("Glance's list (%s) kept changing while the client listed: another test writing to the cloud?", glanceQuery)
	return nil, nil
}
