//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// Issue 18: imagegw in front of the cloud's real nova-api (Zed, started
// by scripts/cloud/up.sh with IMAGEGW_CLOUD_NOVA=1, as make e2e does).

// novaRoot is where the cloud's nova-api serves "/".
func novaRoot(t *testing.T) string {
	t.Helper()
	u := world.env["NOVA_URL"]
	require.NotEmpty(t, u, "no NOVA_URL in cloud.env: start the cloud with IMAGEGW_CLOUD_NOVA=1 (make e2e does)")
	return strings.TrimSuffix(u, "/v2.1")
}

// frontGateway is imagegw in front of the cloud's nova-api.
func frontGateway(t *testing.T, mutate func(*config.Config)) *faultGateway {
	t.Helper()
	root := novaRoot(t)
	return startFaultGateway(t, func(c *config.Config) {
		c.NovaURL = root
		if mutate != nil {
			mutate(c)
		}
	})
}

// exchange is one request's answer, redirects not followed.
type exchange struct {
	status int
	header http.Header
	body   string
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func send(t *testing.T, base string, c novaCase) exchange {
	t.Helper()
	var rd io.Reader
	if c.body != "" {
		rd = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, base+c.path, rd)
	require.NoError(t, err)
	if c.user != "" {
		tok, ok := world.tokens[c.user]
		if !ok {
			tok = c.user
		}
		req.Header.Set("X-Auth-Token", tok)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.hdr {
		req.Header.Set(k, v)
	}
	res, err := noRedirects.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if cl := res.Header.Get("Content-Length"); cl != "" {
		require.Equal(t, cl, fmt.Sprint(len(b)), "%s %s: framing", c.method, c.path)
	}
	return exchange{res.StatusCode, res.Header, string(b)}
}

// novaCase is one request of the differential matrix.
type novaCase struct {
	name, method, path, user, body string
	hdr                            map[string]string
}

var (
	requestIDRE = regexp.MustCompile(`req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	isoDateRE   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?`)
	keyMatterRE = regexp.MustCompile(`"(public_key|private_key|fingerprint)": "[^"]*"`)
	// a keypair's database id grows with each creation
	keypairIDRE = regexp.MustCompile(`"id": \d+`)
)

// normalized is an exchange with what differs between any two calls
// (request ids, dates, generated key material) and the host in links
// (Nova's own, or the one imagegw gave it) made equal; hop-by-hop headers
// (Connection) and Date are left out.
func (e exchange) normalized(hosts ...string) string {
	clean := func(s string) string {
		for _, h := range hosts {
			s = strings.ReplaceAll(s, h, "HOST")
		}
		s = requestIDRE.ReplaceAllString(s, "req-ID")
		s = isoDateRE.ReplaceAllString(s, "DATE")
		s = keypairIDRE.ReplaceAllString(s, `"id": N`)
		return keyMatterRE.ReplaceAllString(s, `"$1": "KEY"`)
	}
	var lines []string
	for k, vs := range e.header {
		if k == "Date" || k == "Connection" || k == "Content-Length" {
			continue
		}
		lines = append(lines, k+": "+clean(strings.Join(vs, ", ")))
	}
	slices.Sort(lines)
	return fmt.Sprintf("%d\n%s\n\n%s", e.status, strings.Join(lines, "\n"), clean(e.body))
}
