//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// Issue 14: hostile input and abuse through the real Keystone and Glance.

func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// cachedCountingGateway is a gateway with long cache lifetimes (the
// production setting with notifications: nothing expires during a test,
// so every Glance call counted is a miss a test caused) whose Glance calls
// go through a counting proxy.
func cachedCountingGateway(t *testing.T, mutate func(*config.Config)) (*faultGateway, *faultProxy) {
	t.Helper()
	px := newFaultProxy(t, world.glance)
	gwy := startFaultGateway(t, func(c *config.Config) {
		c.CacheTTLList, c.CacheTTLImage, c.CacheTTLMetadata = 10*time.Minute, 10*time.Minute, 10*time.Minute
		c.GlanceURL = px.URL
		if mutate != nil {
			mutate(c)
		}
	})
	return gwy, px
}

// Items 1 and 2: deletes and metadata writes that Glance refuses (made-up
// ids of any length, other projects' images) change nothing, so another
// project's cached answers stay hits.
func TestFailedWritesLeaveOtherProjectsCacheAlone(t *testing.T) {
	gwy, px := cachedCountingGateway(t, nil)
	alt := []string{"/v2.1/images/detail", "/v2.1/images/" + imageID(t, "ref-alt-private")}
	for _, p := range alt {
		require.Equal(t, 200, do(t, gwy.URL, "GET", p, "alt", nil, "").Status, p)
	}
	gets := px.requests("GET")

	long := strings.Repeat("0123456789abcdef", 437) // 6992 hex characters
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("%s%04d", long, i)
		if i%2 == 1 {
			id = randomUUID()
		}
		r := do(t, gwy.URL, "DELETE", "/v2.1/images/"+id, "demo", nil, "")
		fault(t, r, 404, "Image not found.")
		r = do(t, gwy.URL, "POST", "/v2.1/images/"+id+"/metadata", "demo",
			map[string]string{"Content-Type": "application/json"}, `{"metadata": {"k": "v"}}`)
		fault(t, r, 404, "Image not found.")
	}
	r := do(t, gwy.URL, "DELETE", "/v2.1/images/"+imageID(t, "ref-admin-public"), "demo", nil, "")
	fault(t, r, 403, "You are not allowed to delete the image.")

	before := px.requests("GET")
	for _, p := range alt {
		require.Equal(t, 200, do(t, gwy.URL, "GET", p, "alt", nil, "").Status, p)
	}
	require.Equal(t, before, px.requests("GET"), "alt's list and image were hits (Glance GETs before the writes: %d)", gets)
}

// Item 3: "<id>\n" is <id> for Glance; one cache scope and one write lock.
func TestNewlineSpelledIDIsOneImage(t *testing.T) {
	gwy, _ := cachedCountingGateway(t, nil)
	id := createImage(t, "demo", map[string]any{})
	show := do(t, gwy.URL, "GET", "/v2.1/images/"+id, "demo", nil, "")
	require.Equal(t, 200, show.Status)
	nl := do(t, gwy.URL, "GET", "/v2.1/images/"+id+"%0A", "demo", nil, "")
	require.Equal(t, 200, nl.Status, "Nova's router matches it as the id")
	require.Equal(t, string(show.Body), string(nl.Body))
	// Nova's router drops one newline, Glance's the next
	require.Equal(t, string(show.Body), string(do(t, gwy.URL, "GET", "/v2.1/images/"+id+"%0A%0A", "demo", nil, "").Body))
	for _, other := range []string{"%0D", "%20", "%09", "%0A%0A%0A"} { // other ids, as for Nova
		r := do(t, gwy.URL, "GET", "/v2.1/images/"+id+other, "demo", nil, "")
		require.Equal(t, 404, r.Status, "%s: %s", other, r.Body)
		fault(t, r, 404, "Image not found.")
	}
	fault(t, do(t, gwy.URL, "GET", "/v2.1/images/%0A"+id, "demo", nil, ""), 404, "Image not found.")

	// concurrent writers split over both spellings lose nothing
	const n = 24
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			path := "/v2.1/images/" + id + "/metadata"
			if i%2 == 1 {
				path = "/v2.1/images/" + id + "%0A/metadata"
			}
			r := do(t, gwy.URL, "POST", path, "demo", map[string]string{"Content-Type": "application/json"},
				fmt.Sprintf(`{"metadata": {"key%02d": "v"}}`, i))
			require.Equal(t, 200, r.Status, string(r.Body))
		}(i)
	}
	wg.Wait()
	g := do(t, world.glance, "GET", "/v2/images/"+id, "demo", nil, "").JSON(t)
	for i := 0; i < n; i++ {
		require.Equal(t, "v", g[fmt.Sprintf("key%02d", i)], "key%02d kept by Glance", i)
	}

	// a delete through one spelling is seen at once through the other
	require.Equal(t, 200, do(t, gwy.URL, "GET", "/v2.1/images/"+id+"/metadata", "demo", nil, "").Status)
	require.Equal(t, 204, do(t, gwy.URL, "DELETE", "/v2.1/images/"+id+"%0A", "demo", nil, "").Status)
	fault(t, do(t, gwy.URL, "GET", "/v2.1/images/"+id, "demo", nil, ""), 404, "Image not found.")
	fault(t, do(t, gwy.URL, "GET", "/v2.1/images/"+id+"/metadata", "demo", nil, ""), 404, "Image not found.")
}

// Item 4: a body that is not UTF-8 is 400 (Nova Zed: 500, see the README's
// compatibility notes), and Glance is unchanged.
func TestInvalidUTF8BodyIsRefused(t *testing.T) {
	id := createImage(t, "demo", map[string]any{})
	for _, value := range []string{"a\xffb", "caf\xe9", "\xc0\xaf", "\xed\xa0\x80"} {
		r := gwBody(t, "POST", "/v2.1/images/"+id+"/metadata", "demo", `{"metadata": {"k": "`+value+`"}}`, nil)
		fault(t, r, 400, "Malformed request body")
	}
	g := do(t, world.glance, "GET", "/v2/images/"+id, "demo", nil, "").JSON(t)
	require.NotContains(t, g, "k", "nothing written to Glance")
	r := gwBody(t, "POST", "/v2.1/images/"+id+"/metadata", "demo", `{"metadata": {"k": "caf`+"\xc3\xa9"+`"}}`, nil)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, "café", do(t, world.glance, "GET", "/v2/images/"+id, "demo", nil, "").JSON(t)["k"])
}

// Item 8: one bad token repeated costs one Keystone validation.
func TestInvalidTokenValidatedOnce(t *testing.T) {
	px := newFaultProxy(t, world.keystone)
	gwy := startFaultGateway(t, func(c *config.Config) { c.KeystoneURL = px.URL })
	bad := "gAAAAA" + randomUUID()
	for i := 0; i < 10; i++ {
		r := do(t, gwy.URL, "GET", "/v2.1/images", bad, nil, "")
		require.Equal(t, 401, r.Status, string(r.Body))
	}
	require.EqualValues(t, 1, px.requests("GET"), "Keystone validations of the bad token")
	require.Equal(t, 200, do(t, gwy.URL, "GET", "/v2.1/images", "demo", nil, "").Status)
}

// Item 6: /readyz from many callers costs one probe per ready_cache_ttl
// and tells them nothing but the state.
func TestReadinessProbesAreShared(t *testing.T) {
	px := newFaultProxy(t, world.glance)
	gwy := startFaultGateway(t, func(c *config.Config) {
		c.GlanceURL = px.URL
		c.ReadyCacheTTL = config.Defaults().ReadyCacheTTL
	})
	px.pass() // reset the counters after the start-up capability reads
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, gwy.URL, "GET", "/readyz", "", nil, "")
			require.Equal(t, 200, r.Status)
			require.JSONEq(t, `{"status": "ok"}`, string(r.Body))
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, px.requests("GET"), int64(2), "Glance probes for 40 callers (one per 2 s)")
	r := do(t, gwy.ops.URL, "GET", "/readyz", "", nil, "")
	require.Equal(t, "ok", r.JSON(t)["glance_status"])
	require.Contains(t, r.JSON(t)["glance_endpoint"], px.URL)
}

// Extra: a token without a project (user noproject has no default project,
// so its unscoped token has an empty catalog) gets what Nova Zed answers:
// 500 computeFault naming keystoneauth's EmptyCatalog.
func TestTokenWithoutProject(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pc, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: world.keystone, Username: "noproject", Password: "secret", DomainID: "default"})
	require.NoError(t, err)
	world.tokens["noproject"] = pc.Token()
	for _, p := range []string{"/v2.1/images", "/v2.1/images/" + imageID(t, "ref-active")} {
		r := gw(t, "GET", p, "noproject", nil)
		fault(t, r, 500, msgUnexpected+"<class 'keystoneauth1.exceptions.catalog.EmptyCatalog'>")
	}
}
