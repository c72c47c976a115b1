//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// TestMigrationReportInChromium renders the HTML migration report, after
// known legacy traffic, in a real headless Chromium: the rendered DOM holds
// the rows, and the screenshot shows a table (dark grid lines and text
// over a light page), not an empty page.
func TestMigrationReportInChromium(t *testing.T) {
	// operator_listen none: the report is on the API listener, for the
	// operator role only
	srv, err := startGateway(func(c *config.Config) { c.OperatorListen = "" })
	require.NoError(t, err)
	defer srv.Close()
	id := imageID(t, "ref-active")
	for _, c := range []struct{ path, ua, ver string }{
		{"/v2.1/images/detail", "legacy-sdk/0.9", "2.35"},
		{"/v2.1/images/" + id, "legacy-sdk/0.9", "2.1"},
		{"/v2/" + world.seed.Projects["demo"] + "/images/" + id + "/metadata", "nightly-script/1.2", ""},
	} {
		r := do(t, srv.URL, "GET", c.path, "demo", map[string]string{"User-Agent": c.ua, legacyHdr: c.ver}, "")
		require.Equal(t, 200, r.Status, c.path)
	}
	require.Equal(t, 403, do(t, srv.URL, "GET", "/migration?format=html", "demo", nil, "").Status, "a member")
	r := do(t, srv.URL, "GET", "/migration?format=html", "admin", nil, "")
	require.Equal(t, 200, r.Status, string(r.Body))

	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	require.NoError(t, os.WriteFile(page, r.Body, 0o600))
	shot := filepath.Join(dir, "report.png")
	if out := os.Getenv("IMAGEGW_SCREENSHOT"); out != "" {
		shot = out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	flags := chromiumFlags(dir)
	dom := renderedDOM(t, page)
	for _, want := range []string{"legacy-sdk/0.9", "nightly-script/1.2", "images.detail", "images.show", "metadata.index",
		"GET /v2/images", "legacy-v2", world.seed.Projects["demo"]} {
		require.Contains(t, dom, want)
	}
	require.Equal(t, 3, strings.Count(dom, "<tr><td>"), "three usage rows rendered")

	out, err := exec.CommandContext(ctx, "chromium", append(flags, "--screenshot="+shot, "file://"+page)...).CombinedOutput()
	require.NoError(t, err, string(out))
	b, err := os.ReadFile(shot)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	dark, light := darkLight(img)
	total := img.Bounds().Dx() * img.Bounds().Dy()
	t.Logf("screenshot %s: %dx%d, %.1f%% dark pixels", shot, img.Bounds().Dx(), img.Bounds().Dy(), 100*float64(dark)/float64(total))
	require.Greater(t, light, total/2, "a light page")
	require.Greater(t, dark, total/200, "text and table lines are drawn")
}

func darkLight(img image.Image) (dark, light int) {
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			switch {
			case g < 110:
				dark++
			case g > 200:
				light++
			}
		}
	}
	return dark, light
}

// chromiumFlags run a headless Chromium with its profile in dir.
func chromiumFlags(dir string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1400,500"}
}

// renderedDOM is the DOM headless Chromium renders from the file page.
func renderedDOM(t *testing.T, page string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, "chromium", append(chromiumFlags(t.TempDir()), "--dump-dom", "file://"+page)...).Output()
	require.NoError(t, err)
	return string(dom)
}
