package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOpenrcBecomesACloudsYAMLEntry(t *testing.T) {
	b, ok := openrcYAML([]string{"OS_AUTH_URL=https://keystone.example/v3", "OS_USERNAME=u", "OS_PASSWORD=p",
		"OS_PROJECT_NAME=proj", "OS_USER_DOMAIN_NAME=Default", "OS_PROJECT_DOMAIN_ID=default",
		"OS_REGION_NAME=R1", "OS_INTERFACE=public", "HOME=/root", "OS_EMPTY="})
	require.True(t, ok)
	require.YAMLEq(t, `clouds: {openrc: {region_name: R1, interface: public, auth: {auth_url: "https://keystone.example/v3",
		username: u, password: p, project_name: proj, user_domain_name: Default, project_domain_id: default}}}`, string(b))
	_, ok = openrcYAML([]string{"OS_USERNAME=u"})
	require.False(t, ok, "no OS_AUTH_URL, no openrc")
}
