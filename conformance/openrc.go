package conformance

import (
	"bytes"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// openrcKeys maps an openrc's OS_* variables to their clouds.yaml keys
// (auth.* inside the auth section). gophercloud's AuthOptionsFromEnv
// knows neither OS_USER_DOMAIN_* nor OS_PROJECT_DOMAIN_*, which every
// Keystone v3 openrc sets; clouds.Parse knows them all, so the variables
// become a one-entry clouds.yaml for it.
var openrcKeys = map[string]string{
	"OS_AUTH_URL": "auth.auth_url", "OS_USERNAME": "auth.username", "OS_USER_ID": "auth.user_id",
	"OS_PASSWORD": "auth.password", "OS_PROJECT_NAME": "auth.project_name", "OS_PROJECT_ID": "auth.project_id",
	"OS_TENANT_NAME": "auth.project_name", "OS_TENANT_ID": "auth.project_id",
	"OS_USER_DOMAIN_NAME": "auth.user_domain_name", "OS_USER_DOMAIN_ID": "auth.user_domain_id",
	"OS_PROJECT_DOMAIN_NAME": "auth.project_domain_name", "OS_PROJECT_DOMAIN_ID": "auth.project_domain_id",
	"OS_DOMAIN_NAME": "auth.domain_name", "OS_DOMAIN_ID": "auth.domain_id",
	"OS_APPLICATION_CREDENTIAL_ID": "auth.application_credential_id", "OS_APPLICATION_CREDENTIAL_SECRET": "auth.application_credential_secret",
	"OS_AUTH_TYPE": "auth_type", "OS_REGION_NAME": "region_name", "OS_INTERFACE": "interface",
	"OS_CACERT": "cacert", "OS_IDENTITY_API_VERSION": "identity_api_version",
}

// openrcCloud is the name of the entry openrcYAML writes.
const openrcCloud = "openrc"

// openrcYAML renders the OS_* variables of env (os.Environ's form) as a
// clouds.yaml with the one entry openrcCloud; ok is false without
// OS_AUTH_URL.
func openrcYAML(env []string) ([]byte, bool) {
	entry, auth := map[string]any{}, map[string]any{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		key, known := openrcKeys[k]
		if !known || v == "" {
			continue
		}
		if a, isAuth := strings.CutPrefix(key, "auth."); isAuth {
			auth[a] = v
		} else {
			entry[key] = v
		}
	}
	if auth["auth_url"] == nil {
		return nil, false
	}
	entry["auth"] = auth
	b, err := yaml.Marshal(map[string]any{"clouds": map[string]any{openrcCloud: entry}})
	return b, err == nil
}

// openrcReader is the environment's openrc as a clouds.yaml.
func openrcReader() (*bytes.Reader, bool) {
	b, ok := openrcYAML(os.Environ())
	return bytes.NewReader(b), ok
}
