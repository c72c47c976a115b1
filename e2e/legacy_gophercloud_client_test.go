//go:build e2e

package e2e

// gophercloud v1 pointed at imagegw, and what its errors and pages carry.

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	gc1 "github.com/gophercloud/gophercloud"
	openstack1 "github.com/gophercloud/gophercloud/openstack"
	images1 "github.com/gophercloud/gophercloud/openstack/compute/v2/images"
	pagination1 "github.com/gophercloud/gophercloud/pagination"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/stretchr/testify/require"
)

// recorder keeps the requests a client sends (method, URL, version headers).
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(req.Context()))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// since returns the requests to imagegw recorded after the first n.
func (r *recorder) since(n int) []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*http.Request
	for _, req := range r.reqs[n:] {
		if strings.HasPrefix(req.URL.String(), world.gw.URL) {
			out = append(out, req)
		}
	}
	return out
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// gophercloudV1 authenticates user (clouds.yaml entry) with gophercloud v1
// and returns a compute ServiceClient factory whose endpoint is imagegw: the
// catalog has no compute endpoint, so the provider's EndpointLocator answers
// imagegw for "compute" (v1's EndpointOpts has no override field) and the
// catalog for everything else.
func gophercloudV1(t *testing.T, user string) (func(microversion string) *gc1.ServiceClient, *recorder) {
	t.Helper()
	rec := &recorder{}
	pc := v1Provider(t, user, rec)
	catalog := pc.EndpointLocator
	pc.EndpointLocator = func(eo gc1.EndpointOpts) (string, error) {
		if eo.Type == "compute" {
			return world.gw.URL + "/v2.1/", nil
		}
		return catalog(eo)
	}
	return func(mv string) *gc1.ServiceClient {
		sc, err := openstack1.NewComputeV2(pc, gc1.EndpointOpts{Region: "RegionOne"})
		require.NoError(t, err)
		require.Equal(t, world.gw.URL+"/v2.1/", sc.Endpoint)
		sc.Microversion = mv
		return sc
	}, rec
}

// v1Provider is gophercloud v1 authenticated as user (its clouds.yaml
// entry), sending through rt: a new token, so the catalog as it is now.
func v1Provider(t *testing.T, user string, rt http.RoundTripper) *gc1.ProviderClient {
	t.Helper()
	ao, _, _, err := clouds.Parse(clouds.WithCloudName(user))
	require.NoError(t, err)
	opts := gc1.AuthOptions{IdentityEndpoint: ao.IdentityEndpoint, Username: ao.Username, Password: ao.Password,
		DomainID: ao.DomainID, DomainName: ao.DomainName, TenantName: ao.TenantName}
	if s := ao.Scope; s != nil {
		opts.Scope = &gc1.AuthScope{ProjectID: s.ProjectID, ProjectName: s.ProjectName, DomainID: s.DomainID, DomainName: s.DomainName}
	}
	pc, err := openstack1.NewClient(opts.IdentityEndpoint)
	require.NoError(t, err)
	pc.HTTPClient = http.Client{Transport: rt, Timeout: 60 * time.Second}
	require.NoError(t, openstack1.Authenticate(pc, opts))
	return pc
}

// v1Status is the HTTP status of a gophercloud v1 error (0 if none).
func v1Status(t *testing.T, err error) int {
	t.Helper()
	var sc gc1.StatusCodeError
	if !errors.As(err, &sc) {
		t.Fatalf("not an HTTP status error: %T %v", err, err)
	}
	return sc.GetStatusCode()
}

// v1Fault is the Nova fault carried by a gophercloud v1 error: its key
// (itemNotFound, badRequest, ...) and message, checked against the status.
func v1Fault(t *testing.T, err error) (key, message string) {
	t.Helper()
	var e gc1.ErrUnexpectedResponseCode
	switch x := err.(type) {
	case gc1.ErrDefault400:
		e = x.ErrUnexpectedResponseCode
	case gc1.ErrDefault403:
		e = x.ErrUnexpectedResponseCode
	case gc1.ErrDefault404:
		e = x.ErrUnexpectedResponseCode
	case gc1.ErrUnexpectedResponseCode:
		e = x
	default:
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
	var body map[string]struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(e.Body, &body), "%s", e.Body)
	require.Len(t, body, 1, "%s", e.Body)
	for k, f := range body {
		require.Equal(t, e.Actual, f.Code, "%s", e.Body)
		key, message = k, f.Message
	}
	return key, message
}

// v1Message is the message of the Nova fault in a gophercloud v1 error.
func v1Message(t *testing.T, err error) string {
	t.Helper()
	_, m := v1Fault(t, err)
	return m
}

type v1Page struct {
	ids []string
	url string
}

// v1Walk lists through the v1 pager, page by page.
func v1Walk(sc *gc1.ServiceClient, opts images1.ListOptsBuilder) ([]images1.Image, []v1Page, error) {
	var all []images1.Image
	var pages []v1Page
	err := images1.ListDetail(sc, opts).EachPage(func(p pagination1.Page) (bool, error) {
		ims, err := images1.ExtractImages(p)
		if err != nil {
			return false, err
		}
		u := p.(images1.ImagePage).URL
		pg := v1Page{url: u.String()}
		for _, im := range ims {
			pg.ids = append(pg.ids, im.ID)
		}
		pages = append(pages, pg)
		all = append(all, ims...)
		return true, nil
	})
	return all, pages, err
}

func v1IDs(ims []images1.Image) []string {
	ids := []string{}
	for _, im := range ims {
		ids = append(ids, im.ID)
	}
	return ids
}

// v1List lists everything (one request, no limit).
func v1List(t *testing.T, sc *gc1.ServiceClient, opts images1.ListOptsBuilder) []images1.Image {
	t.Helper()
	ims, _, err := v1Walk(sc, opts)
	require.NoError(t, err)
	return ims
}
