package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// gateway is an imagegw process this tool started.
type gateway struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	log    string
	exited chan struct{}
	state  *os.ProcessState
	err    error
}

// spawn starts bin on a free port with --cloud imagegw (plus args) and
// env (plus OS_CLIENT_CONFIG_FILE and a free IMAGEGW_OPERATOR_LISTEN),
// logs to a temporary file, and waits up to 30 s for /healthz.
func spawn(ctx context.Context, bin, cloudDir, name string, args, env []string) (*gateway, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	ops, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp("", "imagegw-abuse-"+name+"-*.log")
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, append([]string{"--cloud", "imagegw", "--listen", addr}, args...)...)
	cmd.Env = append(os.Environ(), "OS_CLIENT_CONFIG_FILE="+filepath.Join(cloudDir, "clouds.yaml"),
		"IMAGEGW_OPERATOR_LISTEN="+ops)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &gateway{cmd: cmd, base: "http://" + addr, log: logf.Name(), exited: make(chan struct{})}
	go func() {
		g.err = cmd.Wait()
		g.state = cmd.ProcessState
		close(g.exited)
	}()
	if err := g.waitHealthy(ctx, 30*time.Second); err != nil {
		g.kill()
		defer g.remove()
		return nil, fmt.Errorf("%s: %w: %s", bin, err, g.lastLine())
	}
	return g, nil
}

func (g *gateway) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-g.exited:
			return fmt.Errorf("exited early: %v", g.err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		a := call(cctx, "GET", g.base+"/healthz", "", nil)
		cancel()
		if a.err == nil && a.status == 200 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("no /healthz 200 within " + limit.String())
}

// stop sends SIGTERM and waits up to limit for the exit (then SIGKILL).
// It returns the exit status in words.
func (g *gateway) stop(limit time.Duration) string {
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	return g.wait(limit)
}

// wait waits up to limit for the process to end by itself (then SIGKILL).
func (g *gateway) wait(limit time.Duration) string {
	select {
	case <-g.exited:
	case <-time.After(limit):
		g.kill()
		return fmt.Sprintf("still running %s after SIGTERM: killed", limit)
	}
	if g.state == nil {
		return fmt.Sprintf("unknown (%v)", g.err)
	}
	return g.state.String()
}

func (g *gateway) kill() {
	_ = g.cmd.Process.Kill()
	select {
	case <-g.exited:
	case <-time.After(5 * time.Second):
	}
}

// lastLine is the last line of the gateway's log.
func (g *gateway) lastLine() string {
	b, err := os.ReadFile(g.log)
	if err != nil {
		return err.Error()
	}
	s := strings.TrimSpace(string(b))
	return s[strings.LastIndex(s, "\n")+1:]
}

// remove deletes the gateway's log unless KEEP is set.
func (g *gateway) remove() {
	if os.Getenv("KEEP") == "" {
		_ = os.Remove(g.log)
	} else {
		fmt.Fprintln(os.Stderr, "imagegw-abuse: kept", g.log)
	}
}

// logLines are the log's lines containing any of words.
func (g *gateway) logLines(words ...string) []string {
	b, err := os.ReadFile(g.log)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, strings.TrimSpace(line))
				break
			}
		}
	}
	return out
}
