package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

type options struct {
	target     string
	pid        int
	cloudDir   string
	duration   time.Duration
	rate       float64
	workers    int
	ownImages  int
	interval   time.Duration
	reportPath string
	seed       int64
	timeout    time.Duration
	growthMiB  float64
	growthPct  float64
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("imagegw-soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defDir := os.Getenv("IMAGEGW_CLOUD_DIR")
	if defDir == "" {
		defDir = "/tmp/imagegw-cloud"
	}
	fs.StringVar(&o.target, "target", "", "imagegw base URL, e.g. http://127.0.0.1:18774 (required)")
	fs.IntVar(&o.pid, "pid", 0, "imagegw's process id, for VmRSS (required)")
	fs.StringVar(&o.cloudDir, "cloud-dir", defDir, "state dir of scripts/cloud (clouds.yaml, seed.json)")
	fs.DurationVar(&o.duration, "duration", 5*time.Minute, "length of the load phase")
	fs.Float64Var(&o.rate, "rate", 50, "total requests per second")
	fs.IntVar(&o.workers, "workers", 32, "concurrent requests at most")
	fs.IntVar(&o.ownImages, "images", 5, "images created (as demo) for the metadata writes")
	fs.DurationVar(&o.interval, "interval", 10*time.Second, "progress line interval")
	fs.StringVar(&o.reportPath, "report", "bench/results/soak.md", "Markdown report file")
	fs.Int64Var(&o.seed, "seed", 0, "random seed (0: from the clock)")
	fs.DurationVar(&o.timeout, "timeout", 65*time.Second, "timeout of one request (above imagegw's 60s request_timeout, so its own answer is seen)")
	fs.Float64Var(&o.growthMiB, "rss-growth-mib", 10, "RSS growth allowed (MiB) between the first and the last third")
	fs.Float64Var(&o.growthPct, "rss-growth-pct", 20, "... or this percentage of the first third's mean, whichever is larger")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: imagegw-soak --target URL --pid PID [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if err := o.validate(); err != nil {
		return o, err
	}
	o.target = strings.TrimRight(o.target, "/")
	if o.seed == 0 {
		o.seed = time.Now().UnixNano()
	}
	return o, nil
}

func (o options) validate() error {
	switch {
	case o.target == "":
		return errors.New("--target is required")
	case o.pid <= 0:
		return errors.New("--pid is required")
	case o.duration <= 0 || o.duration > 24*time.Hour:
		return errors.New("--duration must be in (0, 24h]")
	case o.rate <= 0 || o.rate > 10000:
		return errors.New("--rate must be in (0, 10000]")
	case o.workers < 1 || o.ownImages < 1 || o.interval <= 0 || o.timeout <= 0:
		return errors.New("--workers, --images, --interval, --timeout must be positive")
	}
	return nil
}
