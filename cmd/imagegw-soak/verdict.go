package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// rssThirds returns the mean RSS (kB) of the samples in the first and in the
// last third of a run of length total, and false if either third is empty.
func rssThirds(samples []rssSample, total time.Duration) (first, last float64, ok bool) {
	var fs, ls float64
	var fn, ln int
	for _, s := range samples {
		switch {
		case s.at < total/3:
			fs += float64(s.kb)
			fn++
		case s.at >= total-total/3:
			ls += float64(s.kb)
			ln++
		}
	}
	if fn == 0 || ln == 0 {
		return 0, 0, false
	}
	return fs / float64(fn), ls / float64(ln), true
}

// verdict applies the pass rule: no errors, and the RSS growth between the
// first and the last third below max(growthMiB, growthPct % of the first).
func verdict(errors int, first, last float64, rssOK bool, growthMiB, growthPct float64, notes []string) (bool, string) {
	var why []string
	if errors > 0 {
		why = append(why, fmt.Sprintf("%d errors", errors))
	}
	allowed := math.Max(growthMiB*1024, first*growthPct/100)
	growth := last - first
	if !rssOK {
		why = append(why, "not enough RSS samples")
	} else if growth >= allowed {
		why = append(why, fmt.Sprintf("RSS grew %.1f MiB (allowed < %.1f MiB)", growth/1024, allowed/1024))
	}
	why = append(why, notes...)
	if len(why) == 0 {
		return true, fmt.Sprintf("0 errors, RSS growth %+.1f MiB (%+.1f %%) < %.1f MiB allowed", growth/1024, pct(growth, first), allowed/1024)
	}
	return false, strings.Join(why, "; ")
}

func pct(d, base float64) float64 {
	if base == 0 {
		return 0
	}
	return d / base * 100
}
