// Command imagegw-soak is a bounded soak test of a running imagegw (issue 9;
// `make soak`, started by scripts/soak.sh). For a fixed time it sends a
// fixed total rate of mixed reads and metadata writes as the cloud's users
// demo, alt, other and admin (one token each, from the clouds.yaml entries
// of the same names, reused), checks every answer against the status (and
// body shape) expected for that operation, samples imagegw's VmRSS, prints a
// line every interval and writes a Markdown report with a PASS/FAIL verdict.
//
// Metadata writes only touch images this tool creates in Glance (as demo) at
// start and deletes at the end; seeded images are only read.
//
//	imagegw-soak --target http://127.0.0.1:PORT --pid PID [--cloud-dir DIR]
//	             [--duration 5m] [--rate 50] [--report bench/results/soak.md]
//
// Exit status: 0 PASS, 1 FAIL, 2 usage or setup error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "imagegw-soak:", err)
		return 2
	}
	if _, err := readRSS(o.pid); err != nil {
		fmt.Fprintf(stderr, "imagegw-soak: pid %d: %v\n", o.pid, err)
		return 2
	}
	if os.Getenv("OS_CLIENT_CONFIG_FILE") == "" {
		os.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(o.cloudDir, "clouds.yaml"))
	}
	s := &soak{o: o, accounts: map[string]*account{}, hidden: map[string]map[string]bool{}}
	s.client = &http.Client{Transport: &http.Transport{
		MaxIdleConns: o.workers * 2, MaxIdleConnsPerHost: o.workers * 2, IdleConnTimeout: 90 * time.Second,
	}}
	logf := func(format string, a ...any) { fmt.Fprintf(stdout, "soak: "+format+"\n", a...) }

	// setup: tokens, the seeded images as Glance shows them, own images
	created, err := s.setup(ctx, logf)
	if err != nil {
		fmt.Fprintln(stderr, "imagegw-soak: setup:", err)
		if created {
			s.cleanup(logf)
		}
		return 2
	}
	defer s.cleanup(logf)

	rep := s.load(ctx, logf, stdout)
	text, pass := formatReport(rep)
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, text)
	if o.reportPath != "" {
		if err := writeReportFile(o.reportPath, text); err != nil {
			fmt.Fprintln(stderr, "imagegw-soak: report:", err)
			return 1
		}
		logf("report written to %s", o.reportPath)
	}
	if !pass {
		return 1
	}
	return 0
}

func writeReportFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
