package main

// memRows are the RSS facts of the memory table, in order.
var memRows = []struct{ name, label string }{
	{"rss-hit-idle-kb", "cache-on imagegw after start and priming the 5 cached responses"},
	{"rss-hit-peak-kb", "peak VmRSS sampled every 0.25 s during the hit runs"},
	{"rss-hit-after-kb", "after the hit runs"},
	{"hwm-hit-after-kb", "VmHWM (peak RSS) after the hit runs"},
	{"rss-miss-after-kb", "cache-off imagegw after its runs"},
}

func mdMemory(w writef, res *results) {
	w("## Memory (VmRSS of imagegw from /proc/<pid>/status)\n\n| measurement | value |\n|---|---:|\n")
	for _, r := range memRows {
		if v, ok := res.fact(r.name); ok {
			w("| %s | %s |\n", r.label, mb(v))
		}
	}
	for _, name := range []string{"fill-default", "fill-lifted"} {
		if f, ok := res.fills[name]; ok {
			mdFill(w, res, name, f)
		}
	}
	w("\n")
	if s := res.text("fill-note"); s != "" {
		w("%s\n\n", s)
	}
	if s := res.text("cache-memory-bench"); s != "" {
		w("Go heap per held entry, 50k entries of %s-byte bodies, all the same or all different (`go test ./proxy -bench CacheMemory -benchtime 1x`):\n\n```\n%s\n```\n\n",
			"843", s)
	}
}

// mdFill is the rows of one cache fill (fill-default or fill-lifted).
func mdFill(w writef, res *results, name string, f Record) {
	label := "default cache bounds (100000 entries, 64 MiB)"
	if name == "fill-lifted" {
		label = "cache_max_bytes lifted to 1 GiB (entries bound 100000)"
	}
	held, _ := res.fact(name + "-entries")
	before, _ := res.fact(name + "-rss-before-kb")
	rss, _ := res.fact(name + "-rss-kb")
	hwm, _ := res.fact(name + "-hwm-kb")
	acc, _ := res.fact(name + "-cache-bytes")
	w("| fill, %s: %d distinct `/v2.1/images/{id}?x=i` requests (%d ok, %.0f req/s, %d connections) | entries held **%.0f** |\n",
		label, f.Requests, f.OK, f.RPS, f.Connections, held)
	w("| … VmRSS before the fill / after it / VmHWM | %s / **%s** / %s |\n", mb(before), mb(rss), mb(hwm))
	if ha, ok := res.fact(name + "-go_memstats_heap_alloc_bytes"); ok {
		hi, _ := res.fact(name + "-go_memstats_heap_inuse_bytes")
		ng, _ := res.fact(name + "-go_memstats_next_gc_bytes")
		sys, _ := res.fact(name + "-go_memstats_sys_bytes")
		w("| … Go heap after the fill: allocated / in use / next GC target / total from the OS (go_memstats_* on /metrics) | %s / %s / %s / %s |\n",
			mbBytes(ha), mbBytes(hi), mbBytes(ng), mbBytes(sys))
	}
	if held > 0 {
		w("| … RSS growth per held entry (body %s bytes; cache-accounted %s) | %.0f bytes |\n", res.text("fill-body-bytes"), mbBytes(acc), (rss-before)*1024/held)
	}
}
