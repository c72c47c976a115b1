// Command imagegw-bench holds the Go helpers of scripts/bench.sh (the load
// itself comes from wrk, a separate process):
//
//	imagegw-bench capture -base URL -token T -out DIR [-prefix P] [-as URI] URI...
//	    fetch URIs once and add them to DIR/manifest.json for bare-echo
//	imagegw-bench fill -url URL -n 100000 -c 8 -token T
//	    send n distinct cacheable requests (URL?x=0 .. URL?x=n-1)
//	imagegw-bench paged -base GLANCE -token T -limit 500 -page 200 -case detail-500
//	    Glance directly, paged the way imagegw pages (one sample = the sequence)
//	imagegw-bench freshness -keystone URL -imagegw URL -metrics URL [-trials 50]
//	    changes made in Glance directly: how long imagegw serves the old answer
//	imagegw-bench report -in results.jsonl -out DIR -command "..."
//	    results.md, results.json, results.csv, chart.png (gnuplot)
//
// Every record the bench produces is one JSON line "BENCH_JSON {...}" or
// "{...}" in the results file: kind "run" (one wrk run), "fill" (one fill)
// and "fact" (a named number or text).
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "capture":
		err = capture(os.Args[2:])
	case "fill":
		err = fill(os.Args[2:])
	case "paged":
		err = paged(os.Args[2:])
	case "freshness":
		err = freshness(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "imagegw-bench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: imagegw-bench capture|fill|paged|freshness|report [flags]")
	os.Exit(2)
}
