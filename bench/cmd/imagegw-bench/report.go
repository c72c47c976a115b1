package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// report is the report subcommand: results.json, results.csv, chart.png
// and results.md from the raw results, the Markdown also on stdout.
func report(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	in := fs.String("in", "", "raw results (JSON lines)")
	out := fs.String("out", "bench/results", "output directory")
	command := fs.String("command", "bash scripts/bench.sh", "command line to print")
	conns := fs.Int("connections", 4, "connections of the main runs")
	profile := fs.String("profile", "", "text file with the CPU profile of the hit path (included when given)")
	_ = fs.Parse(args)
	if *in == "" {
		return errors.New("report: -in is required")
	}
	res, err := readResults(*in)
	if err != nil {
		return err
	}
	res.conns = *conns
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeJSON(res, filepath.Join(*out, "results.json")); err != nil {
		return err
	}
	if err := writeCSV(res, filepath.Join(*out, "results.csv")); err != nil {
		return err
	}
	// A chart that cannot be drawn is said in the Markdown, which is
	// still written; the error then fails the command.
	chartErr := writeChart(res, *out)
	md := markdown(res, *command, *profile, chartErr)
	if err := os.WriteFile(filepath.Join(*out, "results.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	return chartErr
}
