// Command imagegw-abuse measures nine abuse scenarios against a running
// imagegw binary in front of the real Keystone and Glance of scripts/cloud,
// and prints the figures as markdown (bench/results/abuse.md).
//
//	imagegw-abuse run      --target URL --ops URL --pid N --log FILE --label L --cloud-dir DIR  (scenarios 1-6, 9)
//	imagegw-abuse shutdown --bin BIN --cloud-dir DIR --label L                                 (scenario 7)
//	imagegw-abuse tokens   --bin BIN --cloud-dir DIR --label L                                 (scenario 8)
//
// scripts/abuse.sh BIN LABEL runs all three for one binary. Every loop is
// bounded in count and time, and every request goes to 127.0.0.1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// options are the command-line flags of all three subcommands.
type options struct {
	sub      string
	target   string
	ops      string
	pid      int
	log      string
	label    string
	cloudDir string
	bin      string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "imagegw-abuse:", err)
		stop()
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	if len(args) == 0 {
		return o, errors.New("usage: imagegw-abuse run|shutdown|tokens [flags]")
	}
	o.sub = args[0]
	fs := flag.NewFlagSet("imagegw-abuse "+o.sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target, "target", "", "imagegw base URL (run)")
	fs.StringVar(&o.ops, "ops", "", "imagegw operator base URL (run; /metrics tried here first)")
	fs.IntVar(&o.pid, "pid", 0, "imagegw process id, for VmRSS (run)")
	fs.StringVar(&o.log, "log", "", "imagegw's JSON log file, for cache hits (run)")
	fs.StringVar(&o.label, "label", "", "section heading")
	fs.StringVar(&o.cloudDir, "cloud-dir", "/tmp/imagegw-cloud", "state dir of scripts/cloud")
	fs.StringVar(&o.bin, "bin", "", "imagegw binary to spawn (shutdown, tokens; run: for scenario 9 with default settings)")
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, o.check()
}

// check enforces the flags each subcommand needs and that the targets
// are loopback.
func (o options) check() error {
	switch o.sub {
	case "run":
		if o.target == "" {
			return errors.New("run: --target is required")
		}
		for _, u := range []string{o.target, o.ops} {
			if err := loopbackURL(u); u != "" && err != nil {
				return err
			}
		}
	case "shutdown", "tokens":
		if o.bin == "" {
			return fmt.Errorf("%s: --bin is required", o.sub)
		}
	default:
		return fmt.Errorf("unknown subcommand %q (run, shutdown, tokens)", o.sub)
	}
	if o.label == "" {
		return errors.New("--label is required")
	}
	return nil
}

// loopbackURL refuses any target that is not http://127.0.0.1:port.
func loopbackURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
		return fmt.Errorf("%s: only http://127.0.0.1:PORT targets are allowed", s)
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	os.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(o.cloudDir, "clouds.yaml"))
	c, err := loadCloud(ctx, o.cloudDir)
	if err != nil {
		return err
	}
	out := &report{w: stdout}
	out.heading(o.label, args)
	switch o.sub {
	case "run":
		runScenarios(ctx, o, c, out)
	case "shutdown":
		out.section("7. Shutdown past grace", shutdownScenario(ctx, o, c))
	case "tokens":
		out.section("8. Invalid tokens", tokensScenario(ctx, o, c))
	}
	return out.err
}

// runScenarios runs 1-6 and 9 against the binary at --target.
func runScenarios(ctx context.Context, o options, c *cloud, out *report) {
	steps := []struct {
		title string
		fn    func(context.Context, options, *cloud) string
	}{
		{"1. Memory from failed writes", memoryScenario},
		{"2. List cache under bogus deletes", listCacheScenario},
		{"3. Newline id", newlineScenario},
		{"4. Invalid UTF-8", utf8Scenario},
		{"5. Slow body", slowBodyScenario},
		{"6. /readyz amplification", readyzScenario},
		{"9. /metrics exposure", metricsScenario},
	}
	for _, s := range steps {
		if ctx.Err() != nil {
			out.section(s.title, "not measured: interrupted")
			continue
		}
		start := time.Now()
		fmt.Fprintf(os.Stderr, "imagegw-abuse: %s ...\n", s.title)
		out.section(s.title, s.fn(ctx, o, c))
		fmt.Fprintf(os.Stderr, "imagegw-abuse: %s done in %.1fs\n", s.title, time.Since(start).Seconds())
	}
}

// report writes the markdown; the first write error is kept.
type report struct {
	w   io.Writer
	err error
}

func (r *report) printf(format string, a ...any) {
	if r.err == nil {
		_, r.err = fmt.Fprintf(r.w, format, a...)
	}
}

func (r *report) heading(label string, args []string) {
	r.printf("## %s\n\n", label)
	r.printf("%s · `imagegw-abuse %s`\n\n", time.Now().UTC().Format("2006-01-02 15:04:05 UTC"), strings.Join(args, " "))
}

func (r *report) section(title, body string) {
	r.printf("### %s\n\n%s\n\n", title, strings.TrimSpace(body))
}
