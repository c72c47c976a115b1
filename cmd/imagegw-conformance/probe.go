package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/imagegw/imagegw/conformance"
	"github.com/imagegw/imagegw/conformance/probe"
)

// cmdProbe runs the probe against any cloud; failed is true when a case
// failed, the cleanup left something or other images changed.
func cmdProbe(ctx context.Context, args []string, stdout, stderr io.Writer) (bool, error) {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o probe.Options
	var res *probe.Result
	var only, skip, devPath string
	var files reportFiles
	fs.StringVar(&o.Cloud, "os-cloud", "", "clouds.yaml entry of the user to probe as (default: OS_CLOUD, else the OS_* variables of an openrc)")
	fs.StringVar(&o.SecondCloud, "second-cloud", "", "clouds.yaml entry of a second user in another project, for the cross-project cases (default: none, those cases are not run)")
	fs.StringVar(&o.Target, "target", "", "compute API base URL before /v2.1, e.g. https://compute.example.com:8774 (default: the catalog's compute endpoint)")
	fs.StringVar(&o.GlanceURL, "glance-url", "", "the Glance URL the target puts in alternate links (default: the catalog's internal image endpoint, else its public one, where Nova looks)")
	fs.StringVar(&o.KeystoneURL, "keystone-url", "", "the Keystone URL of the target's WWW-Authenticate (default: the user's auth_url)")
	fs.StringVar(&only, "only", "", "only cases of these routes or microversion labels, comma-separated (e.g. images.show,max+1)")
	fs.StringVar(&skip, "skip", "", "no cases of these routes or microversion labels, comma-separated")
	fs.StringVar(&devPath, "deviations", "builtin", `differences allowed where listed: "builtin" (imagegw's documented deviations from Nova), a deviations file, or "none"`)
	verbose := fs.Bool("v", false, "print JSON body differences path by path and the cases of every deviation")
	quiet := fs.Bool("q", false, "no progress output")
	timeout := fs.Duration("timeout", 0, "stop the run after this long (the fixtures are still removed); 0: no limit")
	files.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: imagegw-conformance probe [--os-cloud NAME] [--second-cloud NAME] [flags]\n\n"+
			"Probes any Nova-compatible compute endpoint with the rights of an ordinary user:\n"+
			"creates its own images (named %s<run>-*) in the user's Glance, checks every\n"+
			"answer against Nova's contract, and always removes them again, also on Ctrl-C.\n"+
			"Images outside the run are listed before and after: the run fails if any changed.\n\nflags:\n", probe.Prefix)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	o.Selection = conformance.Selection{Only: conformance.ParseList(only), Skip: conformance.ParseList(skip)}
	var err error
	if o.Deviations, err = probeDeviations(devPath); err != nil {
		return false, err
	}
	if !*quiet {
		o.Log = stderr
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	res, err = probe.Run(ctx, o)
	if res.Report != nil {
		res.Report.WriteTable(stdout)
		fmt.Fprintln(stdout)
		res.Report.WriteSummary(stdout, *verbose)
		if werr := files.write(res.Report, res.Target, res.Exchanges, res.Secrets); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	untouched := writeFootprint(stdout, res)
	if err != nil {
		return false, err
	}
	return len(res.Report.Failures()) > 0 || !untouched, nil
}

// probeDeviations reads the --deviations value: "builtin", "none" or a file.
func probeDeviations(v string) (*conformance.Deviations, error) {
	switch v {
	case "builtin":
		return conformance.ImagegwDeviations()
	case "none", "":
		return nil, nil
	}
	return conformance.LoadDeviations(v)
}

// writeFootprint says what the run left in the cloud; false when it left
// something or images outside the run changed.
func writeFootprint(w io.Writer, res *probe.Result) bool {
	if len(res.Created) == 0 && res.Others == 0 {
		return true // stopped before it looked at the cloud
	}
	for _, n := range res.NotRun {
		fmt.Fprintf(w, "\nnot run: %s", n)
	}
	fmt.Fprintf(w, "\nfixtures of run %s: %d created, %d removed by the cleanup, %d left\n",
		res.Run, len(res.Created), len(res.Deleted), len(res.Left))
	ok := len(res.Left) == 0 && res.CleanupErr == nil && res.AfterErr == nil && len(res.Changes) == 0
	if res.CleanupErr != nil {
		fmt.Fprintf(w, "cleanup FAILED: %v\n", res.CleanupErr)
	}
	if len(res.Left) > 0 || res.CleanupErr != nil {
		fmt.Fprintf(w, "  remove the leftovers with: imagegw-conformance cleanup --prefix %s%s\n", probe.Prefix, res.Run)
	}
	switch {
	case res.AfterErr != nil:
		fmt.Fprintf(w, "other images: %d seen before the run, NOT LISTED after it: %v\n", res.Others, res.AfterErr)
	case len(res.Changes) > 0:
		fmt.Fprintf(w, "other images: %d seen before the run, CHANGED after it (by this run, or by someone else meanwhile):\n  %s\n",
			res.Others, strings.Join(res.Changes, "\n  "))
	default:
		fmt.Fprintf(w, "other images: %d seen before the run, identical after it\n", res.Others)
	}
	return ok
}

// cmdCleanup removes what interrupted or killed probe runs left.
func cmdCleanup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cloud := fs.String("os-cloud", "", "clouds.yaml entry of the user the probe ran as (default: OS_CLOUD, else the OS_* variables)")
	prefix := fs.String("prefix", probe.Prefix, "name prefix of the images to remove (one run: "+probe.Prefix+"<run>)")
	olderThan := fs.Duration("older-than", time.Hour, "only runs started longer ago than this (a run in progress keeps its images); 0 for all")
	dryRun := fs.Bool("dry-run", false, "only list what would be removed")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: imagegw-conformance cleanup [--os-cloud NAME] [--prefix %s<run>] [--older-than 1h] [--dry-run]\n\n"+
			"Removes the probe's images left by runs that could not clean up (killed, or\n"+
			"Glance unreachable): images of the user's own project named under --prefix.\n\nflags:\n", probe.Prefix)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := conformance.Login(ctx, *cloud, time.Minute)
	if err != nil {
		return err
	}
	left, err := probe.Leftovers(ctx, s, *prefix)
	if err != nil {
		return err
	}
	var ids []string
	for _, im := range left {
		if started, ok := probe.RunStarted(im.Name); ok && time.Since(started) < *olderThan {
			fmt.Fprintf(stdout, "%s %s %s (kept: its run started %s ago)\n", im.ID, im.Name, im.Status, time.Since(started).Round(time.Second))
			continue
		}
		fmt.Fprintf(stdout, "%s %s %s\n", im.ID, im.Name, im.Status)
		ids = append(ids, im.ID)
	}
	if *dryRun {
		fmt.Fprintf(stdout, "%d images would be removed\n", len(ids))
		return nil
	}
	deleted, err := probe.Cleanup(ctx, s, ids)
	fmt.Fprintf(stdout, "%d images removed\n", len(deleted))
	return err
}
