// Command imagegw-conformance runs the conformance matrix (package
// conformance) against a Nova-compatible image API endpoint.
//
//	imagegw-conformance record --target URL --cloud-dir DIR [--out DIR]
//	imagegw-conformance run    --target URL --cloud-dir DIR [--golden DIR | --compare URL]
//	imagegw-conformance probe  [--os-cloud NAME] [--second-cloud NAME] [--target URL]
//	imagegw-conformance cleanup [--os-cloud NAME]
//	imagegw-conformance list
//
// record stores the real Nova's normalised answers as golden files; run
// replays the matrix against any endpoint and compares with the golden
// files or with a second live endpoint, printing a route × microversion
// table and exiting 1 when a case differs without a listed deviation;
// probe checks any cloud against Nova's contract with fixtures of its own.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/conformance/probe"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: imagegw-conformance <command> [flags]

commands:
  record   run the matrix against the real Nova and write golden files
  run      run the matrix against an endpoint and compare (golden files or --compare)
  probe    check any cloud as an ordinary user, with its own fixtures (always removed)
  cleanup  remove the images of probe runs that were killed before cleaning up
  list     print the matrix (case names in order)

"imagegw-conformance <command> -h" describes the flags of a command.
record and run replay the lab matrix: it writes metadata and deletes images: each run starts from a freshly
reset seed (scripts/cloud/seed.py --reset, unless --reset=false) and resets
again at the end.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "record":
		err = cmdRecord(ctx, args[1:], stdout, stderr)
	case "run":
		var failed bool
		failed, err = cmdRun(ctx, args[1:], stdout, stderr)
		if err == nil && failed {
			return 1
		}
	case "probe":
		var failed bool
		failed, err = cmdProbe(ctx, args[1:], stdout, stderr)
		if err == nil && failed {
			return 1
		}
	case "cleanup":
		err = cmdCleanup(ctx, args[1:], stdout, stderr)
	case "list":
		err = cmdList(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "imagegw-conformance:", err)
		return 2
	}
	return 0
}

// common flags of record and run
type common struct {
	target, cloudDir   string
	reset              bool
	python, seedScript string
	filter, only, skip string
	quiet              bool
	filterRE           *regexp.Regexp
	secrets            []string // the users' tokens, redacted from transcripts
	stderr             io.Writer
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.target, "target", "", "base URL of the endpoint under test, scheme://host:port (required), e.g. http://127.0.0.1:38774")
	fs.StringVar(&c.cloudDir, "cloud-dir", "", "state dir of the target's test cloud (scripts/cloud/up.sh IMAGEGW_CLOUD_DIR): cloud.env, clouds.yaml, seed.json (required)")
	fs.BoolVar(&c.reset, "reset", true, "reset the seed (seed.py --reset) before the matrix and again after it")
	fs.StringVar(&c.python, "python", "/usr/bin/python3", "python with the OpenStack libraries, for the seed script")
	fs.StringVar(&c.seedScript, "seed-script", "scripts/cloud/seed.py", "the seed script")
	fs.StringVar(&c.filter, "filter", "", "only cases whose name matches this regular expression (later cases may then see another state)")
	fs.StringVar(&c.only, "only", "", "only cases of these routes or microversion classes, comma-separated (e.g. images.list,2.35)")
	fs.StringVar(&c.skip, "skip", "", "no cases of these routes or microversion classes, comma-separated")
	fs.BoolVar(&c.quiet, "q", false, "no progress output")
}

func (c *common) check() error {
	if c.target == "" || c.cloudDir == "" {
		return errors.New("--target and --cloud-dir are required")
	}
	if c.filter != "" {
		re, err := regexp.Compile(c.filter)
		if err != nil {
			return fmt.Errorf("--filter: %w", err)
		}
		c.filterRE = re
	}
	return nil
}

func (c *common) cases() []conformance.Case {
	return conformance.Selection{Filter: c.filterRE, Only: conformance.ParseList(c.only), Skip: conformance.ParseList(c.skip)}.
		Apply(conformance.Matrix())
}

// loadCloud reads a cloud dir and gets its users' tokens.
func loadCloud(ctx context.Context, dir string) (*conformance.Cloud, map[string]string, error) {
	cloud, err := conformance.LoadCloud(dir)
	if err != nil {
		return nil, nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	tokens, err := conformance.FetchTokens(tctx, cloud.CloudsYAML, conformance.Users)
	if err != nil {
		return nil, nil, err
	}
	return cloud, tokens, nil
}

func (c *common) resetSeed(ctx context.Context, dir string) error {
	if !c.reset {
		return nil
	}
	if !c.quiet {
		fmt.Fprintf(c.stderr, "resetting the seed of %s ...\n", dir)
	}
	_, err := conformance.ResetSeed(ctx, c.python, c.seedScript, dir)
	return err
}

// runMatrix resets, runs the matrix against target and returns the exchanges.
func (c *common) runMatrix(ctx context.Context, target, dir string, cases []conformance.Case) ([]conformance.Exchange, *conformance.Cloud, error) {
	if err := c.resetSeed(ctx, dir); err != nil {
		return nil, nil, err
	}
	cloud, tokens, err := loadCloud(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	for _, tok := range tokens {
		c.secrets = append(c.secrets, tok)
	}
	r := &conformance.Runner{Target: target, Cloud: cloud, Tokens: tokens}
	start := time.Now()
	if !c.quiet {
		last := time.Now()
		r.Progress = func(done, total int, ex *conformance.Exchange) {
			if time.Since(last) > 5*time.Second || done == total {
				last = time.Now()
				fmt.Fprintf(c.stderr, "  %s: %d/%d cases (%s)\n", target, done, total, time.Since(start).Round(time.Second))
			}
		}
	}
	exs, err := r.Run(ctx, cases)
	if err != nil {
		return nil, nil, err
	}
	for _, ex := range exs {
		if ex.Err != nil {
			fmt.Fprintf(c.stderr, "  %s: transport error: %v\n", ex.Case.Name, ex.Err)
		}
	}
	return exs, cloud, nil
}

func cmdRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &common{stderr: stderr}
	c.register(fs)
	out := fs.String("out", "testdata/golden", "directory of the golden files (rewritten; files of cases no longer in the matrix are removed)")
	novaVersion := fs.String("nova-version", "", "Nova version recorded in index.json (default: dpkg version of python3-nova)")
	server := fs.String("server", "nova-api (eventlet), osapi_compute only, scripts/cloud/up.sh IMAGEGW_CLOUD_NOVA=1", "server description recorded in index.json")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: imagegw-conformance record --target URL --cloud-dir DIR [flags]\n\n"+
			"Runs the whole matrix against the real Nova (from a freshly reset seed) and writes\n"+
			"one normalised golden file per case plus index.json into --out.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	if c.filterRE != nil {
		return errors.New("record always records the whole matrix (no --filter)")
	}
	golden, err := c.recordMatrix(ctx)
	if err != nil {
		return err
	}
	if *novaVersion == "" {
		*novaVersion = dpkgVersion("python3-nova")
	}
	info := conformance.RecordingInfo{
		Server:          *server,
		NovaVersion:     *novaVersion,
		MaxMicroversion: maxMicroversion(ctx, c.target),
		Target:          "{base} = " + c.target,
		Date:            time.Now().UTC().Format(time.RFC3339),
		Tool:            "go run ./cmd/imagegw-conformance record",
	}
	if err := conformance.WriteGolden(*out, golden, info); err != nil {
		return err
	}
	if err := c.resetSeed(ctx, c.cloudDir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recorded %d cases from %s into %s (nova %s, max microversion %s)\n",
		len(golden), c.target, *out, info.NovaVersion, info.MaxMicroversion)
	return nil
}

// recordMatrix runs the whole matrix against the target and normalises
// every answer into a golden case; a transport error anywhere records
// nothing.
func (c *common) recordMatrix(ctx context.Context) ([]conformance.GoldenCase, error) {
	exs, cloud, err := c.runMatrix(ctx, c.target, c.cloudDir, c.cases())
	if err != nil {
		return nil, err
	}
	n := conformance.NewNormalizer(c.target, cloud)
	golden := make([]conformance.GoldenCase, 0, len(exs))
	transportErrors := 0
	for i := range exs {
		if exs[i].Err != nil {
			transportErrors++
		}
		golden = append(golden, conformance.Golden(&exs[i], n))
	}
	if transportErrors > 0 {
		return nil, fmt.Errorf("%d cases had transport errors; nothing written", transportErrors)
	}
	return golden, nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &common{stderr: stderr}
	c.register(fs)
	golden := fs.String("golden", "testdata/golden", "directory of the golden files (the reference unless --compare is given)")
	compare := fs.String("compare", "", "base URL of a second live endpoint used as the reference instead of the golden files (e.g. the real Nova)")
	compareDir := fs.String("compare-cloud-dir", "", "state dir of the --compare endpoint's cloud (default: --cloud-dir; the seed is reset between the two runs)")
	devPath := fs.String("deviations", "conformance/deviations.yaml", `deviations file ("" for none): listed differences are reported separately, not as failures`)
	verbose := fs.Bool("v", false, "print JSON body differences path by path and the cases of every deviation")
	var files reportFiles
	files.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: imagegw-conformance run --target URL --cloud-dir DIR [--golden DIR | --compare URL] [flags]\n\n"+
			"Runs the matrix against --target and compares every answer, after normalisation,\n"+
			"with the golden files or with the answers of --compare. Prints a route x\n"+
			"microversion-class table and the failures; exit status 1 if a case differs in a\n"+
			"way the deviations file does not list, or a listed deviation no longer differs.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if err := c.check(); err != nil {
		return false, err
	}
	var devs *conformance.Deviations
	if *devPath != "" {
		var err error
		if devs, err = conformance.LoadDeviations(*devPath); err != nil {
			return false, err
		}
	}
	cases := c.cases()
	want, err := c.reference(ctx, stdout, *golden, *compare, *compareDir)
	if err != nil {
		return false, err
	}
	exs, cloud, err := c.runMatrix(ctx, c.target, c.cloudDir, cases)
	if err != nil {
		return false, err
	}
	got := conformance.NormalizeAll(exs, conformance.NewNormalizer(c.target, cloud))
	if err := c.resetSeed(ctx, c.cloudDir); err != nil {
		return false, err
	}
	rep := conformance.Evaluate(cases, want, got, devs)
	rep.WriteTable(stdout)
	fmt.Fprintln(stdout)
	rep.WriteSummary(stdout, *verbose)
	if err := files.write(rep, c.target, exs, c.secrets); err != nil {
		return false, err
	}
	return len(rep.Failures()) > 0, nil
}

// reference is what run compares with: the answers of a second live
// endpoint (compare, its cloud in compareDir or the target's), else the
// golden files.
func (c *common) reference(ctx context.Context, stdout io.Writer, golden, compare, compareDir string) (map[string]conformance.Normalized, error) {
	if compare == "" {
		idx, g, err := conformance.LoadGolden(golden)
		if err != nil {
			return nil, fmt.Errorf("golden files: %w", err)
		}
		fmt.Fprintf(stdout, "reference: %s (%d cases, nova %s, recorded %s)\n", golden, idx.Count, idx.Recording.NovaVersion, idx.Recording.Date)
		return conformance.GoldenResponses(g), nil
	}
	if compareDir == "" {
		compareDir = c.cloudDir
	}
	exs, cloud, err := c.runMatrix(ctx, compare, compareDir, c.cases())
	if err != nil {
		return nil, err
	}
	return conformance.NormalizeAll(exs, conformance.NewNormalizer(compare, cloud)), nil
}

func cmdList(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "also print method and path template")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: imagegw-conformance list [-v]\n\nPrints the case names of the matrix in run order.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, c := range conformance.Matrix() {
		if *verbose {
			fmt.Fprintf(stdout, "%s\t%s %s\n", c.Name, c.Method, c.Path)
		} else {
			fmt.Fprintln(stdout, c.Name)
		}
	}
	return nil
}

func dpkgVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// maxMicroversion is the "version" of the target's v2.1 document.
func maxMicroversion(ctx context.Context, target string) string {
	r, err := probe.ReadRange(ctx, conformance.DefaultClient(), target)
	if err != nil {
		return "unknown"
	}
	return r.Max.String()
}
