//go:build e2e

package e2e

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBinaryShutdownAndSecrets runs the real imagegw binary: SIGTERM while
// a request is in flight lets it finish and exits 0; the logs of a run
// with valid, invalid and write requests hold no token and no password.
func TestBinaryShutdownAndSecrets(t *testing.T) {
	opsAddr := freeAddr(t)
	p := startBinary(t, nil, "IMAGEGW_LOG_LEVEL=debug", "IMAGEGW_CACHE_TTL_LIST=0", "IMAGEGW_OPERATOR_LISTEN="+opsAddr)
	cmd, logs, exited, base := p.cmd, p.logs, p.exited, p.base

	// the public listener says ready or not, the operator listener why
	r := do(t, base, "GET", "/readyz", "", nil, "")
	require.Equal(t, 200, r.Status, string(r.Body))
	require.JSONEq(t, `{"status": "ok"}`, string(r.Body))
	ops := "http://" + opsAddr
	r = do(t, ops, "GET", "/readyz", "", nil, "")
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, "ok", r.JSON(t)["glance_status"])
	require.Contains(t, string(r.Body), "import-methods")
	require.Equal(t, 300, do(t, base, "GET", "/metrics", "", nil, "").Status, "no metrics on the API listener")
	require.Equal(t, 300, do(t, base, "GET", "/metrics", "admin", nil, "").Status)

	// traffic that carries secrets in headers and bodies
	id := createImage(t, "demo", map[string]any{})
	do(t, base, "GET", "/v2.1/images/detail", "demo", nil, "")
	do(t, base, "GET", "/v2.1/images", "gAAAAA-not-a-real-token-but-secret", nil, "")
	do(t, base, "POST", "/v2.1/images/"+id+"/metadata", "demo", map[string]string{"Content-Type": "application/json"}, `{"metadata": {"k": "v"}}`)

	// a slow request (all images, uncached) in flight when SIGTERM arrives
	done := make(chan resp, 1)
	go func() { done <- do(t, base, "GET", "/v2.1/images/detail?limit=0", "admin", nil, "") }()
	time.Sleep(30 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case r := <-done:
		require.Equal(t, 200, r.Status, "the in-flight request completes")
		require.NotEmpty(t, idsOf(t, r.JSON(t)))
	case <-time.After(30 * time.Second):
		t.Fatal("in-flight request did not finish")
	}
	select {
	case err := <-exited:
		require.NoError(t, err, "exit status 0 after a graceful shutdown; logs:\n%s", logs)
	case <-time.After(30 * time.Second):
		t.Fatal("imagegw did not exit after SIGTERM")
	}
	_, err := http.Get(base + "/healthz")
	require.Error(t, err, "no longer accepting")

	text := logs.String()
	require.Contains(t, text, `"msg":"shutting down"`)
	require.Contains(t, text, `"operator endpoints listening"`)
	require.Contains(t, text, `"msg":"request"`)
	for user, tok := range world.tokens {
		require.NotContains(t, text, tok, "token of %s in the logs", user)
	}
	require.NotContains(t, text, "gAAAAA-not-a-real-token-but-secret")
	require.False(t, strings.Contains(text, `"secret"`) || strings.Contains(text, "password"), "a password in the logs")
}

// binary is a running imagegw binary.
type binary struct {
	cmd    *exec.Cmd
	logs   *bytes.Buffer
	exited chan error
	base   string
}

// startBinary builds and starts the imagegw binary against the cloud with
// extra arguments and environment, and waits for /healthz.
func startBinary(t *testing.T, args []string, env ...string) *binary {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "imagegw")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/imagegw").CombinedOutput()
	require.NoError(t, err, string(out))
	addr := freeAddr(t)
	p := &binary{logs: &bytes.Buffer{}, exited: make(chan error, 1), base: "http://" + addr}
	p.cmd = exec.Command(bin, append([]string{"--cloud", "imagegw", "--listen", addr}, args...)...)
	p.cmd.Env = append(append(os.Environ(), "OS_CLIENT_CONFIG_FILE="+filepath.Join(world.dir, "clouds.yaml")), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	done := make(chan struct{})
	go func() { p.exited <- p.cmd.Wait(); close(done) }()
	t.Cleanup(func() { // a test that failed before SIGTERM leaves no process behind
		_ = p.cmd.Process.Kill()
		<-done
	})
	require.Eventually(t, func() bool {
		r, err := http.Get(p.base + "/healthz")
		if err == nil {
			r.Body.Close()
		}
		return err == nil && r.StatusCode == 200
	}, 30*time.Second, 100*time.Millisecond, "imagegw started: %s", p.logs)
	return p
}

// freeAddr is a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// TestBinaryShutdownPastGrace (issue 14, item 7): a request still waiting
// for Glance when shutdown_grace is over gets Nova's 503 and the process
// exits 0, as the README says. Glance is a loopback server that answers
// its capabilities at start and then never answers an image call.
func TestBinaryShutdownPastGrace(t *testing.T) {
	stuck := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/info/") {
			_, _ = w.Write([]byte(`{}`))
			return
		}
		select {
		case <-stuck:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(stuck)

	p := startBinary(t, []string{"--glance-url", hang.URL},
		"IMAGEGW_OPERATOR_LISTEN=none", "IMAGEGW_SHUTDOWN_GRACE=1s", "IMAGEGW_UPSTREAM_TIMEOUT=60s")
	cmd, logs, exited, base := p.cmd, p.logs, p.exited, p.base

	done := make(chan resp, 1)
	go func() { done <- do(t, base, "GET", "/v2.1/images/"+imageID(t, "ref-active"), "demo", nil, "") }()
	time.Sleep(300 * time.Millisecond) // the request waits for Glance
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case r := <-done:
		require.Equal(t, 503, r.Status, string(r.Body))
		require.JSONEq(t, `{"serviceUnavailable": {"code": 503, "message": "The server is currently unavailable. Please try again at a later time."}}`, string(r.Body))
	case <-time.After(20 * time.Second):
		t.Fatal("no answer after the grace period")
	}
	select {
	case err := <-exited:
		require.NoError(t, err, "exit status 0; logs:\n%s", logs)
	case <-time.After(20 * time.Second):
		t.Fatal("imagegw did not exit")
	}
	require.Contains(t, logs.String(), "shutdown grace over")
}
