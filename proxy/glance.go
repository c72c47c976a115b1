package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/utils"
	"github.com/gophercloud/gophercloud/v2/pagination"

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
	root := glanceRoot(endpoint) + "/"
	return &gophercloud.ServiceClient{ProviderClient: pc, Endpoint: root, ResourceBase: root + "v2/", Type: "image",
		// Accept what glanceclient accepts (python-requests' */*): Glance then
		// renders errors as its HTML page, whose text Nova forwards.
		MoreHeaders: map[string]string{"Accept": "*/*"}}
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

// rawPage is a Glance image list page kept as decoded JSON: it avoids
// gophercloud's typed Image decoding, which loses null names and which
// imagegw does not need.
type rawPage struct {
	pagination.LinkedPageBase
	serviceURL string
}

func (p rawPage) NextPageURL() (string, error) {
	m, _ := p.Body.(map[string]any)
	next, _ := m["next"].(string)
	if next == "" {
		return "", nil
	}
	base, err := utils.BaseEndpoint(p.serviceURL)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(next)
	if err != nil {
		return "", err
	}
	nu, err := url.Parse(gophercloud.NormalizeURL(base) + strings.TrimPrefix(u.Path, "/"))
	if err != nil {
		return "", err
	}
	nu.RawQuery = u.RawQuery
	return nu.String(), nil
}

// List implements Glance.
func (g *GophercloudGlance) List(ctx context.Context, token, endpoint, query string, want int64) ([]translate.GlanceImage, error) {
	return withRetry(ctx, g.RetryBackoff, func() ([]translate.GlanceImage, error) { return g.list(ctx, token, endpoint, query, want) })
}

func (g *GophercloudGlance) list(ctx context.Context, token, endpoint, query string, want int64) ([]translate.GlanceImage, error) {
	c := g.client(token, endpoint)
	var out []translate.GlanceImage
	// gophercloud's Pager, with the page body decoded by go-json (see
	// fetchPage); the same requests, stop conditions and next links.
	for next := c.ServiceURL("images") + query; next != ""; {
		page, err := fetchPage(ctx, c, next)
		if err != nil {
			return out, fault(err)
		}
		m, _ := page.Body.(map[string]any)
		imgs, ok := m["images"].([]any)
		if !ok { // glanceclient fails on such a page too
			return out, fault(errors.New("Glance list page without an images array"))
		}
		if len(imgs) == 0 {
			break
		}
		for _, x := range imgs {
			if m, ok := x.(map[string]any); ok {
				out = append(out, translate.GlanceImage(m))
			}
			if want > 0 && int64(len(out)) >= want {
				return out, nil
			}
		}
		if next, err = page.NextPageURL(); err != nil {
			return out, fault(err)
		}
	}
	return out, nil
}

// fetchPage is gophercloud's pagination.PageResultFrom with the JSON
// decoded by github.com/goccy/go-json instead of encoding/json: decoding
// a 1000-image page into maps was over half of a list miss's CPU, and
// go-json does it 2.6 times faster with the same result (json.Number
// numbers, as the Pager's UseNumber; TestPageDecodeMatchesEncodingJSON).
func fetchPage(ctx context.Context, c *gophercloud.ServiceClient, url string) (rawPage, error) {
	resp, err := pagination.Request(ctx, c, nil, url)
	if err != nil {
		return rawPage{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return rawPage{}, err
	}
	// Not JSON: an error, as for a show (gophercloud's Pager would keep
	// the bytes and see an empty page: an empty list answered 200).
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return rawPage{}, fmt.Errorf("Glance answered a list page with Content-Type %q, not JSON", ct)
	}
	body, err := decodeJSON(raw)
	if err != nil {
		return rawPage{}, err
	}
	return rawPage{LinkedPageBase: pagination.LinkedPageBase{PageResult: pagination.PageResultFromParsed(resp, body)},
		serviceURL: c.ServiceURL()}, nil
}

// decodeJSON decodes one JSON document as encoding/json's Decoder with
// UseNumber does.
func decodeJSON(raw []byte) (any, error) {
	dec := gojson.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
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
