package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ServiceAuth is imagegw's own service credentials as the OS_* variables
// of an openrc give them: everything gophercloud's AuthOptionsFromEnv
// reads, plus the domain and region variables the OpenStack tools read.
// Load takes them from its getenv, so no other package reads the
// environment. Values are as found: choosing between them is the
// identity client's business.
//
// It prints, logs and marshals without the password, the passcode and the
// application credential secret: a Config may be logged whole.
type ServiceAuth struct {
	Cloud                       string // OS_CLOUD
	AuthURL                     string // OS_AUTH_URL
	Username                    string // OS_USERNAME
	UserID                      string // OS_USERID
	Password                    string // OS_PASSWORD (secret)
	Passcode                    string // OS_PASSCODE (secret)
	ProjectID                   string // OS_PROJECT_ID, else OS_TENANT_ID
	ProjectName                 string // OS_PROJECT_NAME, else OS_TENANT_NAME
	UserDomainID                string // OS_USER_DOMAIN_ID
	UserDomainName              string // OS_USER_DOMAIN_NAME
	ProjectDomainID             string // OS_PROJECT_DOMAIN_ID
	ProjectDomainName           string // OS_PROJECT_DOMAIN_NAME
	DomainID                    string // OS_DOMAIN_ID
	DomainName                  string // OS_DOMAIN_NAME
	RegionName                  string // OS_REGION_NAME
	ApplicationCredentialID     string // OS_APPLICATION_CREDENTIAL_ID
	ApplicationCredentialName   string // OS_APPLICATION_CREDENTIAL_NAME
	ApplicationCredentialSecret string // OS_APPLICATION_CREDENTIAL_SECRET (secret)
	SystemScope                 string // OS_SYSTEM_SCOPE
}

// serviceVar is one OS_* variable and the field it fills; secret ones are
// never written out.
type serviceVar struct {
	env    string
	at     func(*ServiceAuth) *string
	secret bool
}

// serviceVars lists the variables in ServiceAuth's field order. Where two
// are listed for one field, the first set wins (gophercloud's precedence
// of OS_PROJECT_* over the older OS_TENANT_*).
func serviceVars() []serviceVar {
	return []serviceVar{
		{"OS_CLOUD", func(s *ServiceAuth) *string { return &s.Cloud }, false},
		{"OS_AUTH_URL", func(s *ServiceAuth) *string { return &s.AuthURL }, false},
		{"OS_USERNAME", func(s *ServiceAuth) *string { return &s.Username }, false},
		{"OS_USERID", func(s *ServiceAuth) *string { return &s.UserID }, false},
		{"OS_PASSWORD", func(s *ServiceAuth) *string { return &s.Password }, true},
		{"OS_PASSCODE", func(s *ServiceAuth) *string { return &s.Passcode }, true},
		{"OS_PROJECT_ID", func(s *ServiceAuth) *string { return &s.ProjectID }, false},
		{"OS_TENANT_ID", func(s *ServiceAuth) *string { return &s.ProjectID }, false},
		{"OS_PROJECT_NAME", func(s *ServiceAuth) *string { return &s.ProjectName }, false},
		{"OS_TENANT_NAME", func(s *ServiceAuth) *string { return &s.ProjectName }, false},
		{"OS_USER_DOMAIN_ID", func(s *ServiceAuth) *string { return &s.UserDomainID }, false},
		{"OS_USER_DOMAIN_NAME", func(s *ServiceAuth) *string { return &s.UserDomainName }, false},
		{"OS_PROJECT_DOMAIN_ID", func(s *ServiceAuth) *string { return &s.ProjectDomainID }, false},
		{"OS_PROJECT_DOMAIN_NAME", func(s *ServiceAuth) *string { return &s.ProjectDomainName }, false},
		{"OS_DOMAIN_ID", func(s *ServiceAuth) *string { return &s.DomainID }, false},
		{"OS_DOMAIN_NAME", func(s *ServiceAuth) *string { return &s.DomainName }, false},
		{"OS_REGION_NAME", func(s *ServiceAuth) *string { return &s.RegionName }, false},
		{"OS_APPLICATION_CREDENTIAL_ID", func(s *ServiceAuth) *string { return &s.ApplicationCredentialID }, false},
		{"OS_APPLICATION_CREDENTIAL_NAME", func(s *ServiceAuth) *string { return &s.ApplicationCredentialName }, false},
		{"OS_APPLICATION_CREDENTIAL_SECRET", func(s *ServiceAuth) *string { return &s.ApplicationCredentialSecret }, true},
		{"OS_SYSTEM_SCOPE", func(s *ServiceAuth) *string { return &s.SystemScope }, false},
	}
}

// serviceAuthFromEnv reads the OS_* variables through getenv.
func serviceAuthFromEnv(getenv func(string) string) ServiceAuth {
	var s ServiceAuth
	for _, v := range serviceVars() {
		if p := v.at(&s); *p == "" {
			*p = getenv(v.env)
		}
	}
	return s
}

// redacted is what a set secret is written as.
const redacted = "[redacted]"

// String lists the variables set, by name, secrets redacted.
func (s ServiceAuth) String() string {
	var b strings.Builder
	b.WriteString("ServiceAuth{")
	sep := ""
	seen := map[*string]bool{}
	for _, v := range serviceVars() {
		p := v.at(&s)
		if *p == "" || seen[p] {
			continue
		}
		seen[p] = true
		val := *p
		if v.secret {
			val = redacted
		}
		fmt.Fprintf(&b, "%s%s=%q", sep, v.env, val)
		sep = " "
	}
	b.WriteString("}")
	return b.String()
}

// Format makes every fmt verb (%v, %+v, %#v, %s, even %d) print String,
// so printing a whole Config cannot leak a secret.
func (s ServiceAuth) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }

// MarshalJSON writes the fields with secrets redacted: zap.Any and
// encoding/json of a Config go through it.
func (s ServiceAuth) MarshalJSON() ([]byte, error) {
	for _, v := range serviceVars() {
		if p := v.at(&s); v.secret && *p != "" {
			*p = redacted
		}
	}
	type plain ServiceAuth // without the methods, so no recursion
	return json.Marshal(plain(s))
}
