package config

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// openrc is an environment with every OS_* variable set to its own name.
func openrc() map[string]string {
	m := map[string]string{}
	for _, v := range serviceVars() {
		m[v.env] = "v-" + v.env
	}
	return m
}

func TestServiceAuthFromGetenv(t *testing.T) {
	c, err := Load(nil, env(openrc()), io.Discard)
	require.NoError(t, err)
	require.Equal(t, ServiceAuth{
		Cloud: "v-OS_CLOUD", AuthURL: "v-OS_AUTH_URL", Username: "v-OS_USERNAME", UserID: "v-OS_USERID",
		Password: "v-OS_PASSWORD", Passcode: "v-OS_PASSCODE",
		ProjectID: "v-OS_PROJECT_ID", ProjectName: "v-OS_PROJECT_NAME",
		UserDomainID: "v-OS_USER_DOMAIN_ID", UserDomainName: "v-OS_USER_DOMAIN_NAME",
		ProjectDomainID: "v-OS_PROJECT_DOMAIN_ID", ProjectDomainName: "v-OS_PROJECT_DOMAIN_NAME",
		DomainID: "v-OS_DOMAIN_ID", DomainName: "v-OS_DOMAIN_NAME", RegionName: "v-OS_REGION_NAME",
		ApplicationCredentialID:     "v-OS_APPLICATION_CREDENTIAL_ID",
		ApplicationCredentialName:   "v-OS_APPLICATION_CREDENTIAL_NAME",
		ApplicationCredentialSecret: "v-OS_APPLICATION_CREDENTIAL_SECRET",
		SystemScope:                 "v-OS_SYSTEM_SCOPE",
	}, c.Service)
	require.Equal(t, "v-OS_CLOUD", c.Cloud, "OS_CLOUD names the cloud too")
}

// OS_TENANT_* are the older names of OS_PROJECT_*, which win.
func TestServiceAuthTenantFallback(t *testing.T) {
	for _, tt := range []struct {
		name      string
		env       map[string]string
		id, pname string
	}{
		{"none", nil, "", ""},
		{"tenant", map[string]string{"OS_TENANT_ID": "tid", "OS_TENANT_NAME": "tn"}, "tid", "tn"},
		{"project wins", map[string]string{"OS_TENANT_ID": "tid", "OS_TENANT_NAME": "tn", "OS_PROJECT_ID": "pid", "OS_PROJECT_NAME": "pn"}, "pid", "pn"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := serviceAuthFromEnv(env(tt.env))
			require.Equal(t, tt.id, s.ProjectID)
			require.Equal(t, tt.pname, s.ProjectName)
		})
	}
}

// However a Config is printed or marshalled, its secrets are not.
func TestServiceAuthHidesSecrets(t *testing.T) {
	c, err := Load(nil, env(openrc()), io.Discard)
	require.NoError(t, err)
	js, err := json.Marshal(c)
	require.NoError(t, err)
	for name, out := range map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"%s": fmt.Sprintf("%s", c.Service), "%q": fmt.Sprintf("%q", c.Service), "String": c.Service.String(),
		"json": string(js),
	} {
		t.Run(name, func(t *testing.T) {
			for _, secret := range []string{"v-OS_PASSWORD", "v-OS_PASSCODE", "v-OS_APPLICATION_CREDENTIAL_SECRET"} {
				require.NotContains(t, out, secret)
			}
			require.Contains(t, out, "v-OS_AUTH_URL")
			require.Contains(t, out, redacted)
		})
	}
	require.Equal(t, "ServiceAuth{}", ServiceAuth{}.String(), "nothing set, nothing redacted")
}

// The credentials are no file key: they belong in clouds.yaml or openrc.
func TestServiceNotAFileKey(t *testing.T) {
	_, err := Load([]string{"--config", writeFile(t, "service:\n  password: x\n")}, env(nil), io.Discard)
	require.ErrorContains(t, err, "service")
}
