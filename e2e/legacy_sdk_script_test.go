//go:build e2e

package e2e

// openstacksdk's side: the JSON scripts/clients/sdk_images.py prints, and
// running it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type sdkRequest struct {
	Method          string  `json:"method"`
	URL             string  `json:"url"`
	Status          int     `json:"status"`
	VersionSent     *string `json:"version_sent"`
	VersionAnswered *string `json:"version_answered"`
}

type sdkCall struct {
	Value json.RawMessage `json:"value"`
	Error *struct {
		Type    string `json:"type"`
		Status  *int   `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
	Requests []sdkRequest `json:"requests"`
	Glance   []string     `json:"glance"`
	Stable   *bool        `json:"stable"`
}

type sdkImage struct {
	ID       string           `json:"id"`
	Name     *string          `json:"name"`
	Status   *string          `json:"status"`
	Progress *int             `json:"progress"`
	MinRAM   *int             `json:"min_ram"`
	MinDisk  *int             `json:"min_disk"`
	Size     *int             `json:"size"`
	Metadata map[string]any   `json:"metadata"`
	Created  *string          `json:"created_at"`
	Updated  *string          `json:"updated_at"`
	Links    []map[string]any `json:"links"`
}

type sdkResult struct {
	Fatal      string                        `json:"fatal"`
	Traceback  string                        `json:"traceback"`
	SDKVersion string                        `json:"sdk_version"`
	ProjectID  string                        `json:"project_id"`
	MetaImage  string                        `json:"meta_image"`
	Calls      map[string]*sdkCall           `json:"calls"`
	Versions   map[string]map[string]sdkCall `json:"versions"`
	Endpoints  map[string]sdkEndpoint        `json:"endpoints"`
}

// sdkEndpoint is named so that one endpoint form's checks can be a function.
type sdkEndpoint struct {
	Endpoint  string  `json:"endpoint"`
	List      sdkCall `json:"list"`
	ListPaged sdkCall `json:"list_paged"`
	Get       sdkCall `json:"get"`
}

// call is the script's output for the call name; t is the (sub)test that
// needs it, and fails when the script did not make that call.
func (r sdkResult) call(t *testing.T, name string) *sdkCall {
	t.Helper()
	c, ok := r.Calls[name]
	require.True(t, ok, "no call %s in the script's output", name)
	return c
}

func (c *sdkCall) ok(t *testing.T, what string) {
	t.Helper()
	require.NotNil(t, c, what)
	require.Nil(t, c.Error, "%s: %+v", what, c.Error)
}

func (c *sdkCall) fails(t *testing.T, what, typ string, status int, msg string) {
	t.Helper()
	require.NotNil(t, c, what)
	require.NotNil(t, c.Error, "%s should fail, got %s", what, c.Value)
	require.Equal(t, typ, c.Error.Type, what)
	if status != 0 {
		require.NotNil(t, c.Error.Status, what)
		require.Equal(t, status, *c.Error.Status, what)
	}
	require.Contains(t, c.Error.Message, msg, what)
}

func (c *sdkCall) images(t *testing.T, what string) []sdkImage {
	t.Helper()
	c.ok(t, what)
	var ims []sdkImage
	require.NoError(t, json.Unmarshal(c.Value, &ims), what)
	return ims
}

func (c *sdkCall) image(t *testing.T, what string) sdkImage {
	t.Helper()
	c.ok(t, what)
	var im sdkImage
	require.NoError(t, json.Unmarshal(c.Value, &im), what)
	return im
}

func (c *sdkCall) metadata(t *testing.T, what string) map[string]any {
	t.Helper()
	c.ok(t, what)
	var m map[string]any
	require.NoError(t, json.Unmarshal(c.Value, &m), what)
	return m
}

// sameAsGlance checks a listing call against Glance's list taken around it.
func (c *sdkCall) sameAsGlance(t *testing.T, what string) []sdkImage {
	t.Helper()
	ims := c.images(t, what)
	require.NotNil(t, c.Stable, what)
	require.True(t, *c.Stable, "%s: Glance's list changed during the call (another test writing?)", what)
	ids := []string{}
	for _, im := range ims {
		ids = append(ids, im.ID)
	}
	require.Equal(t, c.Glance, ids, what)
	return ims
}

func (r sdkRequest) String() string {
	s := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	return fmt.Sprintf("%s %s %d sent=%s answered=%s", r.Method, r.URL, r.Status, s(r.VersionSent), s(r.VersionAnswered))
}

func reqLines(rs []sdkRequest) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

// runSDKScript runs scripts/clients/sdk_images.py against the shared imagegw.
func runSDKScript(t *testing.T) sdkResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", filepath.Join("..", "scripts", "clients", "sdk_images.py"))
	cmd.Env = append(os.Environ(),
		"IMAGEGW_URL="+world.gw.URL,
		"OS_CLIENT_CONFIG_FILE="+filepath.Join(world.dir, "clouds.yaml"),
		"IMAGEGW_CLIENT_CLOUD=demo",
		"IMAGEGW_READ_IMAGE="+imageID(t, "ref-active"),
		"IMAGEGW_NAME_FILTER=ref-dup-name",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res sdkResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("sdk_images.py printed no JSON (%v; run scripts/clients/install.sh?): %v\nstdout: %s\nstderr: %s", runErr, err, stdout.Bytes(), stderr.Bytes())
	}
	if res.Fatal != "" {
		t.Fatalf("sdk_images.py: %s\n%s\nstderr: %s", res.Fatal, res.Traceback, stderr.Bytes())
	}
	return res
}
