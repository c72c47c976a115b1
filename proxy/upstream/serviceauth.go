package upstream

import (
	"errors"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/imagegw/imagegw/config"
)

// ServiceAuthOptions are the Keystone credentials of imagegw's service user
// from its OS_* variables (config reads them): what gophercloud's
// AuthOptionsFromEnv would make of them, with the user's domain also taken
// from OS_USER_DOMAIN_* and a project scope with its domain from
// OS_PROJECT_DOMAIN_* (as every openrc sets them, and as the OpenStack
// tools read them).
func ServiceAuthOptions(sa config.ServiceAuth) (gophercloud.AuthOptions, error) {
	if err := checkServiceAuth(sa); err != nil {
		return gophercloud.AuthOptions{}, err
	}
	ao := gophercloud.AuthOptions{
		IdentityEndpoint: sa.AuthURL, Username: sa.Username, UserID: sa.UserID,
		Password: sa.Password, Passcode: sa.Passcode,
		DomainID: sa.DomainID, DomainName: sa.DomainName,
		ApplicationCredentialID: sa.ApplicationCredentialID, ApplicationCredentialName: sa.ApplicationCredentialName,
		ApplicationCredentialSecret: sa.ApplicationCredentialSecret,
	}
	if ao.DomainID == "" && ao.DomainName == "" { // the user's domain
		ao.DomainID, ao.DomainName = sa.UserDomainID, sa.UserDomainName
		if ao.DomainID != "" {
			ao.DomainName = ""
		}
	}
	switch {
	case sa.SystemScope == "all":
		ao.Scope = &gophercloud.AuthScope{System: true}
	case sa.ProjectID != "":
		ao.Scope = &gophercloud.AuthScope{ProjectID: sa.ProjectID}
	case sa.ProjectName != "":
		ao.Scope = &gophercloud.AuthScope{ProjectName: sa.ProjectName,
			DomainID: sa.ProjectDomainID, DomainName: sa.ProjectDomainName}
		if ao.Scope.DomainID == "" && ao.Scope.DomainName == "" {
			ao.Scope.DomainID, ao.Scope.DomainName = ao.DomainID, ao.DomainName
		}
	}
	return ao, nil
}

// checkServiceAuth refuses what gophercloud's AuthOptionsFromEnv refuses,
// naming the variable.
func checkServiceAuth(sa config.ServiceAuth) error {
	appCred := sa.ApplicationCredentialID != "" || sa.ApplicationCredentialName != ""
	switch {
	case sa.AuthURL == "":
		return errors.New("OS_AUTH_URL is not set (nor a cloud)")
	case sa.UserID == "" && sa.Username == "" && !appCred:
		return errors.New("OS_USERID or OS_USERNAME is not set")
	case sa.Password == "" && sa.Passcode == "" && !appCred:
		return errors.New("OS_PASSWORD is not set")
	case appCred && sa.ApplicationCredentialSecret == "":
		return errors.New("OS_APPLICATION_CREDENTIAL_SECRET is not set")
	}
	return nil
}
