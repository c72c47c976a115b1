//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The differential matrix: every non-image compute request below sent to
// nova-api directly and through imagegw gets the same answer (status,
// headers, body) once request ids, dates, generated keys and the host in
// links are made equal.
func TestPassThroughMatchesNova(t *testing.T) {
	gw := frontGateway(t, nil)
	nova := novaRoot(t)
	ensureFlavors(t, nova)
	hosts := []string{hostOf(t, nova), hostOf(t, gw.URL), hostOf(t, gw.cfg.PublicURL)}
	cases := novaMatrix(world.seed.Projects["demo"])
	linked := 0
	for _, c := range cases {
		want, got := send(t, nova, c), send(t, gw.URL, c)
		require.Equal(t, want.normalized(hosts...), got.normalized(hosts...), "%s: %s %s", c.name, c.method, c.path)
		require.Len(t, got.header.Values("X-Openstack-Request-Id"), len(want.header.Values("X-Openstack-Request-Id")),
			"%s: Nova's request id alone", c.name)
		// links name imagegw's public URL, never Nova
		require.NotContains(t, got.body+got.header.Get("Location"), hosts[0], c.name)
		if strings.Contains(want.body+want.header.Get("Location"), hosts[0]) {
			linked++
			require.Contains(t, got.body+got.header.Get("Location"), gw.cfg.PublicURL+"/", c.name)
		}
	}
	// a keypair's life, on each side in turn under the same name
	name := "e2e-diff-" + randomUUID()[:8]
	life := keypairLife(name)
	var answers [2][]string
	for side, base := range []string{nova, gw.URL} {
		for _, c := range life {
			answers[side] = append(answers[side], send(t, base, c).normalized(hosts...))
		}
	}
	for i, c := range life {
		require.Equal(t, answers[0][i], answers[1][i], "%s: %s %s", c.name, c.method, c.path)
	}
	require.GreaterOrEqual(t, linked, 8, "answers with links checked")
	t.Logf("differential matrix: %d requests (%d with links), then a keypair's life of %d, identical through imagegw", len(cases), linked, len(life))
}

func hostOf(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	require.NoError(t, err)
	return p.Host
}

// ensureFlavors gives the cloud's Nova three flavors (an admin call; 409
// when they exist already).
func ensureFlavors(t *testing.T, nova string) {
	t.Helper()
	for i, f := range []string{"tiny", "small", "large"} {
		r := send(t, nova, novaCase{method: "POST", path: "/v2.1/flavors", user: "admin",
			body: fmt.Sprintf(`{"flavor": {"name": "e2e.%s", "id": "e2e-%s", "ram": %d, "vcpus": %d, "disk": %d}}`, f, f, 64<<i, 1+i, 1+i)})
		require.Contains(t, []int{200, 409}, r.status, r.body)
	}
}

func novaMatrix(project string) []novaCase {
	v := func(s string) map[string]string { return map[string]string{"OpenStack-API-Version": "compute " + s} }
	legacy := func(s string) map[string]string { return map[string]string{"X-OpenStack-Nova-API-Version": s} }
	missing := "8e1c7a7e-0000-4000-8000-00000000dead"
	return []novaCase{
		{name: "version choices", method: "GET", path: "/"},
		{name: "v2.1 redirect", method: "GET", path: "/v2.1"},
		{name: "v2.1 document", method: "GET", path: "/v2.1/"},
		{name: "v2 document", method: "GET", path: "/v2/"},
		{name: "flavors", method: "GET", path: "/v2.1/flavors", user: "demo"},
		{name: "flavors detail", method: "GET", path: "/v2.1/flavors/detail", user: "demo"},
		{name: "flavors page", method: "GET", path: "/v2.1/flavors?limit=1", user: "demo"},
		{name: "flavors filtered", method: "GET", path: "/v2.1/flavors/detail?minRam=100&sort_key=name", user: "demo"},
		{name: "flavor show", method: "GET", path: "/v2.1/flavors/e2e-small", user: "demo"},
		{name: "flavor show 2.75", method: "GET", path: "/v2.1/flavors/e2e-small", user: "demo", hdr: v("2.75")},
		{name: "flavor missing", method: "GET", path: "/v2.1/flavors/nope", user: "demo"},
		{name: "flavor extra specs", method: "GET", path: "/v2.1/flavors/e2e-tiny/os-extra_specs", user: "demo"},
		{name: "limits", method: "GET", path: "/v2.1/limits", user: "demo"},
		{name: "limits 2.57", method: "GET", path: "/v2.1/limits", user: "demo", hdr: v("2.57")},
		{name: "keypairs", method: "GET", path: "/v2.1/os-keypairs", user: "demo"},
		{name: "availability zones", method: "GET", path: "/v2.1/os-availability-zone", user: "demo"},
		{name: "servers", method: "GET", path: "/v2.1/servers", user: "demo"},
		{name: "servers filtered", method: "GET", path: "/v2.1/servers?name=web&status=ACTIVE&limit=5", user: "demo"},
		{name: "servers detail", method: "GET", path: "/v2.1/servers/detail?all_tenants=1", user: "demo"},
		{name: "servers bad filter", method: "GET", path: "/v2.1/servers?status=NOPE", user: "demo"},
		{name: "server missing", method: "GET", path: "/v2.1/servers/" + missing, user: "demo"},
		{name: "quota set", method: "GET", path: "/v2.1/os-quota-sets/" + project, user: "demo"},
		{name: "quota set detail", method: "GET", path: "/v2.1/os-quota-sets/" + project + "/detail", user: "demo"},
		{name: "project in path", method: "GET", path: "/v2.1/" + project + "/flavors", user: "demo"},
		{name: "legacy v2", method: "GET", path: "/v2/" + project + "/flavors", user: "demo"},
		{name: "latest", method: "GET", path: "/v2.1/flavors", user: "demo", hdr: v("latest")},
		{name: "legacy header", method: "GET", path: "/v2.1/flavors", user: "demo", hdr: legacy("2.30")},
		{name: "microversion too high", method: "GET", path: "/v2.1/flavors", user: "demo", hdr: v("2.999")},
		{name: "microversion malformed", method: "GET", path: "/v2.1/flavors", user: "demo", hdr: v("2.x")},
		{name: "bad JSON", method: "POST", path: "/v2.1/os-keypairs", user: "demo", body: `{"keypair": `},
		{name: "bad body", method: "POST", path: "/v2.1/os-keypairs", user: "demo", body: `{"keypair": {}}`},
		{name: "not admin", method: "POST", path: "/v2.1/flavors", user: "demo", body: `{"flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 1}}`},
		{name: "no token", method: "GET", path: "/v2.1/flavors"},
		{name: "bad token", method: "GET", path: "/v2.1/flavors", user: "not-a-token"},
		{name: "no route", method: "GET", path: "/v2.1/no-such-thing", user: "demo"},
		{name: "method not allowed", method: "PUT", path: "/v2.1/limits", user: "demo", body: `{}`},
		{name: "OPTIONS", method: "OPTIONS", path: "/v2.1/flavors"},
	}
}

// keypairLife creates, reads, lists and deletes keypair name.
func keypairLife(name string) []novaCase {
	p := "/v2.1/os-keypairs/" + name
	return []novaCase{
		{name: "keypair create", method: "POST", path: "/v2.1/os-keypairs", user: "demo", body: fmt.Sprintf(`{"keypair": {"name": %q}}`, name)},
		{name: "keypair create again", method: "POST", path: "/v2.1/os-keypairs", user: "demo", body: fmt.Sprintf(`{"keypair": {"name": %q}}`, name)},
		{name: "keypair show", method: "GET", path: p, user: "demo"},
		{name: "keypair list", method: "GET", path: "/v2.1/os-keypairs", user: "demo"},
		{name: "keypair delete", method: "DELETE", path: p, user: "demo"},
		{name: "keypair gone", method: "GET", path: p, user: "demo"},
	}
}
