package upstream

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/translate"
)

// Glance is the upstream image service, called with the user's token.
// Failures are *translate.GlanceFault.
type Glance interface {
	// List returns up to want images (0: all) for the first-page query
	// (from translate.ListQuery.GlanceQuery), following Glance's next links.
	List(ctx context.Context, token, endpoint, query string, want int64) ([]translate.GlanceImage, error)
	Get(ctx context.Context, token, endpoint, id string) (translate.GlanceImage, error)
	Delete(ctx context.Context, token, endpoint, id string) error
	// Patch applies a JSON patch and returns the updated image.
	Patch(ctx context.Context, token, endpoint, id string, ops []translate.PatchOp) (translate.GlanceImage, error)
}

// cutVersion removes a trailing /vN or /vN.M (with an optional final '/')
// from an endpoint; ok reports whether there was one.
func cutVersion(endpoint string) (base string, ok bool) {
	e := strings.TrimSuffix(endpoint, "/")
	i := strings.LastIndexByte(e, '/')
	if i < 0 || !isVersionSegment(e[i+1:]) {
		return endpoint, false
	}
	return e[:i], true
}

func isVersionSegment(seg string) bool {
	if len(seg) < 2 || seg[0] != 'v' {
		return false
	}
	major, minor, hasMinor := strings.Cut(seg[1:], ".")
	return microversion.IsNumber(major) && (!hasMinor || microversion.IsNumber(minor))
}

// GlanceLinkBase is the Glance URL used in Nova's alternate links: a
// trailing /vN or /vN.M is replaced by a single '/', as Nova does.
func GlanceLinkBase(endpoint string) string {
	if base, ok := cutVersion(endpoint); ok {
		return base + "/"
	}
	return endpoint
}

// glanceRoot is the endpoint without version and trailing slashes.
func glanceRoot(endpoint string) string {
	base, _ := cutVersion(endpoint)
	return strings.TrimRight(base, "/")
}

// GophercloudGlance calls Glance v2 through gophercloud.
type GophercloudGlance struct {
	HTTPClient *http.Client
	UserAgent  string
	// RetryBackoff > 0 retries an idempotent read (list, show) once after
	// that pause when Glance cannot be reached or answers 502/503/504.
	RetryBackoff time.Duration
}

// retryable tells whether a failed read may be tried once more.
func retryable(err error) bool {
	var gf *translate.GlanceFault
	if !errors.As(err, &gf) {
		return false
	}
	return gf.Transport != nil || gf.Status == http.StatusBadGateway ||
		gf.Status == http.StatusServiceUnavailable || gf.Status == http.StatusGatewayTimeout
}

// withRetry runs an idempotent read, once more after the backoff if it
// failed in a way a retry can fix and the request is still wanted.
func withRetry[T any](ctx context.Context, backoff time.Duration, read func() (T, error)) (T, error) {
	v, err := read()
	if err == nil || backoff <= 0 || !retryable(err) {
		return v, err
	}
	t := time.NewTimer(backoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return v, err
	case <-t.C:
	}
	return read()
}

func (g *GophercloudGlance) client(token, endpoint string) *gophercloud.ServiceClient {
	pc := &gophercloud.ProviderClient{HTTPClient: *g.HTTPClient}
	pc.SetToken(token)
	if g.UserAgent != "" {
		pc.UserAgent.Prepend(g.UserAgent)
	}
	sc := imageClient(pc, endpoint)
	// Accept what glanceclient accepts (python-requests' */*): Glance then
	// renders errors as its HTML page, whose text Nova forwards.
	sc.MoreHeaders = acceptAny
	return sc
}

// acceptAny is the Accept header of user calls (shared, never written).
var acceptAny = map[string]string{"Accept": "*/*"}

// imageClient is the Glance v2 ServiceClient at an endpoint given with or
// without its version: the one place both user calls and the readiness
// probe get it from.
func imageClient(pc *gophercloud.ProviderClient, endpoint string) *gophercloud.ServiceClient {
	root := glanceRoot(endpoint) + "/"
	return &gophercloud.ServiceClient{ProviderClient: pc, Endpoint: root, ResourceBase: root + "v2/", Type: "image"}
}

// fault converts a gophercloud error into a *translate.GlanceFault.
func fault(err error) error {
	if err == nil {
		return nil
	}
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) {
		return &translate.GlanceFault{Status: ue.Actual, ContentType: ue.ResponseHeader.Get("Content-Type"), Body: ue.Body}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &translate.GlanceFault{Transport: err}
}

// Get implements Glance.
func (g *GophercloudGlance) Get(ctx context.Context, token, endpoint, id string) (translate.GlanceImage, error) {
	return withRetry(ctx, g.RetryBackoff, func() (translate.GlanceImage, error) { return g.get(ctx, token, endpoint, id) })
}

func (g *GophercloudGlance) get(ctx context.Context, token, endpoint, id string) (translate.GlanceImage, error) {
	res := images.Get(ctx, g.client(token, endpoint), url.PathEscape(id))
	if res.Err != nil {
		return nil, fault(res.Err)
	}
	m, _ := res.Body.(map[string]any)
	return translate.GlanceImage(m), nil
}

// Delete implements Glance.
func (g *GophercloudGlance) Delete(ctx context.Context, token, endpoint, id string) error {
	return fault(images.Delete(ctx, g.client(token, endpoint), url.PathEscape(id)).ExtractErr())
}

// patchOps adapts JSON-patch operations to gophercloud's UpdateOptsBuilder
// (sent as application/openstack-images-v2.1-json-patch).
type patchOps []translate.PatchOp

func (p patchOps) ToImageUpdateMap() ([]any, error) {
	out := make([]any, len(p))
	for i, op := range p {
		out[i] = op.Map()
	}
	return out, nil
}

// Patch implements Glance.
func (g *GophercloudGlance) Patch(ctx context.Context, token, endpoint, id string, ops []translate.PatchOp) (translate.GlanceImage, error) {
	res := images.Update(ctx, g.client(token, endpoint), url.PathEscape(id), patchOps(ops))
	if res.Err != nil {
		return nil, fault(res.Err)
	}
	m, _ := res.Body.(map[string]any)
	return translate.GlanceImage(m), nil
}
