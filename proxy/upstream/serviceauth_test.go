package upstream

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

func TestServiceAuthOptions(t *testing.T) {
	base := config.ServiceAuth{AuthURL: "http://k:5000/v3", Username: "imagegw", Password: "pw"}
	with := func(f func(*config.ServiceAuth)) config.ServiceAuth { sa := base; f(&sa); return sa }
	for _, tc := range []struct {
		name  string
		in    config.ServiceAuth
		want  gophercloud.AuthOptions
		error string
	}{
		{"openrc: user and project by name with their domains",
			with(func(s *config.ServiceAuth) {
				s.UserDomainID, s.ProjectName, s.ProjectDomainName = "default", "service", "Default"
			}),
			gophercloud.AuthOptions{IdentityEndpoint: "http://k:5000/v3", Username: "imagegw", Password: "pw", DomainID: "default",
				Scope: &gophercloud.AuthScope{ProjectName: "service", DomainName: "Default"}}, ""},
		{"project domain defaults to the user's",
			with(func(s *config.ServiceAuth) { s.UserDomainName, s.ProjectName = "Default", "service" }),
			gophercloud.AuthOptions{IdentityEndpoint: "http://k:5000/v3", Username: "imagegw", Password: "pw", DomainName: "Default",
				Scope: &gophercloud.AuthScope{ProjectName: "service", DomainName: "Default"}}, ""},
		{"OS_DOMAIN_* wins over OS_USER_DOMAIN_*",
			with(func(s *config.ServiceAuth) { s.DomainID, s.UserDomainID = "d1", "d2" }),
			gophercloud.AuthOptions{IdentityEndpoint: "http://k:5000/v3", Username: "imagegw", Password: "pw", DomainID: "d1"}, ""},
		{"project by id",
			with(func(s *config.ServiceAuth) { s.ProjectID, s.ProjectName = "p1", "ignored" }),
			gophercloud.AuthOptions{IdentityEndpoint: "http://k:5000/v3", Username: "imagegw", Password: "pw",
				Scope: &gophercloud.AuthScope{ProjectID: "p1"}}, ""},
		{"system scope",
			with(func(s *config.ServiceAuth) { s.SystemScope = "all" }),
			gophercloud.AuthOptions{IdentityEndpoint: "http://k:5000/v3", Username: "imagegw", Password: "pw",
				Scope: &gophercloud.AuthScope{System: true}}, ""},
		{"no auth url", with(func(s *config.ServiceAuth) { s.AuthURL = "" }), gophercloud.AuthOptions{}, "OS_AUTH_URL"},
		{"no user", with(func(s *config.ServiceAuth) { s.Username = "" }), gophercloud.AuthOptions{}, "OS_USERNAME"},
		{"no password", with(func(s *config.ServiceAuth) { s.Password = "" }), gophercloud.AuthOptions{}, "OS_PASSWORD"},
		{"application credential without secret",
			config.ServiceAuth{AuthURL: "http://k", ApplicationCredentialID: "ac"}, gophercloud.AuthOptions{}, "OS_APPLICATION_CREDENTIAL_SECRET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ServiceAuthOptions(tc.in)
			if tc.error != "" {
				require.ErrorContains(t, err, tc.error)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
