package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// hangGlance answers {} under /v2/info/ and holds every other request
// until stop is closed (or the caller gives up).
type hangGlance struct {
	srv  *http.Server
	url  string
	stop chan struct{}
	held atomic.Int64
}

func startHangGlance() (*hangGlance, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &hangGlance{url: "http://" + l.Addr().String(), stop: make(chan struct{})}
	h.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/info/") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("{}"))
			return
		}
		h.held.Add(1)
		select {
		case <-h.stop:
		case <-r.Context().Done():
		}
	})}
	go func() { _ = h.srv.Serve(l) }()
	return h, nil
}

func (h *hangGlance) close() {
	close(h.stop)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = h.srv.Shutdown(ctx)
}

// shutdownScenario (7): SIGTERM with a request stuck on Glance, grace 1 s.
func shutdownScenario(ctx context.Context, o options, c *cloud) string {
	img := c.images["ref-active"]
	tok, err := c.token(ctx, "demo")
	if err != nil {
		return "not measured: " + err.Error()
	}
	hang, err := startHangGlance()
	if err != nil {
		return "not measured: " + err.Error()
	}
	defer hang.close()
	g, err := spawn(ctx, o.bin, o.cloudDir, "shutdown", []string{"--glance-url", hang.url}, []string{"IMAGEGW_SHUTDOWN_GRACE=1s"})
	if err != nil {
		return "not measured: " + err.Error()
	}
	defer g.remove()
	got := make(chan answer, 1)
	// A connection of its own: the shared client would retry the GET on a
	// new connection when a reused one closes without an answer.
	once := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	go func() { got <- callWith(ctx, once, "GET", g.base+"/v2.1/images/"+img, tok, nil) }()
	time.Sleep(300 * time.Millisecond)
	held := hang.held.Load()
	termAt := time.Now()
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	var a answer
	select {
	case a = <-got:
	case <-time.After(45 * time.Second):
		a = answer{err: fmt.Errorf("no answer within 45 s of SIGTERM")}
	}
	answered := time.Since(termAt)
	exit := g.wait(30 * time.Second)
	exited := time.Since(termAt)
	heldAll := hang.held.Load()
	var b strings.Builder
	fmt.Fprintf(&b, "Pattern: binary spawned with `IMAGEGW_SHUTDOWN_GRACE=1s --glance-url <hanging Glance>` (answers `{}` "+
		"under /v2/info/, holds everything else); demo `GET /v2.1/images/<ref-active>`; SIGTERM 300 ms later "+
		"(requests held by the fake Glance: %d at SIGTERM, %d in all).\n\n", held, heldAll)
	b.WriteString("| client got | body | answer after SIGTERM | binary exit | exit after SIGTERM |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| %s | `%s` | %.2f s | %s | %.2f s |\n\n", mdCell(a.what()), mdCell(shorten(string(a.body), 200)),
		answered.Seconds(), exit, exited.Seconds())
	b.WriteString("Binary's shutdown log lines:\n\n```\n")
	for _, l := range g.logLines("shutting down", "shutdown", "stopped", "grace", "imagegw:") {
		b.WriteString(shorten(l, 300) + "\n")
	}
	b.WriteString("```")
	return b.String()
}
