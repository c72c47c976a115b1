//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scriptService is what one of the project's scripts starts on demand
// (scripts/redis-ha.sh, scripts/cloud/region2.sh): "start" is idempotent
// and prints KEY=VALUE lines, the first test that needs the service runs
// it, and TestMain runs "stop" if a test tried a start.
type scriptService struct {
	mu      sync.Mutex
	script  string        // path from e2e/
	timeout time.Duration // of one start
	started bool          // a start was tried: stop what it may have left
}

// start (re)starts what of the service is not running and returns the
// values it printed; want are the keys that must be among them.
func (s *scriptService) start(t *testing.T, want ...string) map[string]string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = true
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", s.script, "start")
	cmd.Env = append(os.Environ(), "IMAGEGW_CLOUD_DIR="+world.dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.ContainsAny(k, " \t") {
			vars[k] = strings.TrimSpace(v)
		}
	}
	for _, k := range want {
		require.Contains(t, vars, k, string(out))
	}
	return vars
}

// stop stops the service if a test started it.
func (s *scriptService) stop() {
	if !s.started {
		return
	}
	cmd := exec.Command("bash", s.script, "stop")
	cmd.Env = append(os.Environ(), "IMAGEGW_CLOUD_DIR="+world.dir)
	_ = cmd.Run()
}
