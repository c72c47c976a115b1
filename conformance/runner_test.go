package conformance

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type seen struct {
	method, rawPath, body string
	header                http.Header
}

func recorder(t *testing.T) (*httptest.Server, *[]seen) {
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.RequestURI(), string(b), r.Header.Clone()})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Vary", "A")
		w.Header().Add("Vary", "B")
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"self": "http://` + r.Host + `/v2.1/x"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestRunnerSendsCases(t *testing.T) {
	srv, got := recorder(t)
	c := fakeCloud()
	body := `{"metadata": {"id": "{image:ref-active}"}}`
	cases := []Case{
		{Name: "a", Method: "GET", Path: "/v2.1/{project:demo}/images/{image:ref-active}/metadata/a%2Fb", User: "demo",
			Headers: []Header{{"OpenStack-API-Version", "compute 2.39"}, {"OpenStack-API-Version", "compute 2.3"}}},
		{Name: "b", Method: "POST", Path: "/v2.1/images", User: UserBad, Body: &body,
			Headers: []Header{{"Content-Type", "text/plain"}, {"Accept", "text/html"}}},
		{Name: "c", Method: "FOO", Path: "/", User: UserNone},
	}
	var progress []int
	r := &Runner{Target: srv.URL + "/", Cloud: c, Tokens: map[string]string{"demo": "tok-demo"},
		Progress: func(done, total int, _ *Exchange) { progress = append(progress, done, total) }}
	exs, err := r.Run(context.Background(), cases)
	require.NoError(t, err)
	require.Len(t, exs, 3)
	assert.Equal(t, []int{1, 3, 2, 3, 3, 3}, progress)

	s := *got
	id := c.Images["ref-active"]
	assert.Equal(t, "/v2.1/"+c.Projects["demo"]+"/images/"+id+"/metadata/a%2Fb", s[0].rawPath, "escapes kept")
	assert.Equal(t, []string{"compute 2.39", "compute 2.3"}, s[0].header.Values("OpenStack-API-Version"), "repeated lines kept")
	assert.Equal(t, "tok-demo", s[0].header.Get("X-Auth-Token"))
	assert.Equal(t, "application/json", s[0].header.Get("Accept"), "JSON error pages by default")
	assert.Equal(t, BadToken, s[1].header.Get("X-Auth-Token"))
	assert.Equal(t, []string{"text/html"}, s[1].header.Values("Accept"), "a case's header replaces the default")
	assert.Equal(t, "text/plain", s[1].header.Get("Content-Type"))
	assert.Equal(t, `{"metadata": {"id": "`+id+`"}}`, s[1].body)
	assert.Empty(t, s[2].header.Values("X-Auth-Token"))
	assert.Equal(t, "FOO", s[2].method)

	ex := exs[0]
	assert.Equal(t, "/v2.1/{project:demo}/images/{image:ref-active}/metadata/a%2Fb", ex.Request.PathTemplate)
	assert.Equal(t, 201, ex.Response.Status)
	assert.Equal(t, []string{"A", "B"}, ex.Response.Header.Values("Vary"))
	n := NewNormalizer(srv.URL, c)
	norm := n.Response(&ex)
	assert.Equal(t, map[string]any{"self": "{base}/v2.1/x"}, norm.Body)
	assert.Equal(t, "/v2.1/{project:demo}/images/"+id+"/metadata/a%2Fb", Golden(&ex, n).Request.Path)
	all := NormalizeAll(exs, n)
	assert.Len(t, all, 3)
}

func TestRunnerErrors(t *testing.T) {
	c := fakeCloud()
	r := &Runner{Target: "http://127.0.0.1:1", Cloud: c, Tokens: map[string]string{}}
	_, err := r.Run(context.Background(), []Case{{Name: "x", Method: "GET", Path: "/{image:nope}"}})
	assert.ErrorContains(t, err, "case x")
	_, err = r.Run(context.Background(), []Case{{Name: "y", Method: "GET", Path: "/", User: "demo"}})
	assert.ErrorContains(t, err, `no token for user "demo"`)
	// a transport error is recorded, not fatal
	exs, err := r.Run(context.Background(), []Case{{Name: "z", Method: "GET", Path: "/"}})
	require.NoError(t, err)
	assert.Error(t, exs[0].Err)
}

func TestLoadCloud(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cloud.env"), []byte(
		"# generated\nIMAGEGW_CLOUD_DIR="+dir+"\nKEYSTONE_URL=http://127.0.0.1:35000/v3\nGLANCE_URL='http://127.0.0.1:39292'\n"), 0o644))
	_, err := LoadCloud(dir)
	require.Error(t, err, "no seed.json")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "seed.json"), []byte(
		`{"projects": {"demo": "d1"}, "instance_uuid": "iu", "images": {"ref-active": {"id": "i1", "name": "ref-active"}}}`), 0o644))
	c, err := LoadCloud(dir)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:39292", c.GlanceURL)
	assert.Equal(t, "http://127.0.0.1:35000", c.KeystoneRoot())
	assert.Equal(t, filepath.Join(dir, "clouds.yaml"), c.CloudsYAML)
	assert.Equal(t, map[string]string{"ref-active": "i1"}, c.Images)
	assert.Equal(t, "iu", c.InstanceUUID)
}
