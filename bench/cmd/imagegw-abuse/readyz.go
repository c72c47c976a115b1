package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// readyzScenario (6): 100 public /readyz at concurrency 10, and the
// latency of one cache-missing request by a fresh token meanwhile.
func readyzScenario(ctx context.Context, o options, c *cloud) string {
	const n, conc = 100, 10
	img := c.images["ref-active"]
	fresh, err := freshToken(ctx, "other")
	if err != nil {
		return "not measured: " + err.Error()
	}
	var st tally
	victim := make(chan answer, 1)
	go func() {
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
		}
		victim <- call(ctx, "GET", fmt.Sprintf("%s/v2.1/images/%s?x=%s", o.target, img, randomHex(12)), fresh, nil)
	}()
	start := time.Now()
	sent := pool(ctx, n, conc, 60*time.Second, func(int) {
		st.add(call(ctx, "GET", o.target+"/readyz", "", nil).what())
	})
	burst := time.Since(start)
	under := <-victim
	quiet := quietVictim(ctx, o, img)
	pub := call(ctx, "GET", o.target+"/readyz", "", nil)
	var b strings.Builder
	fmt.Fprintf(&b, "Pattern: %d `GET /readyz` (no token) at concurrency %d; 0.5 s in, user other with a fresh token "+
		"(authenticated just before, never used) sends `GET /v2.1/images/<ref-active>?x=<random>` (cache miss). "+
		"Quiet: the same with another fresh token, 3 s after the burst.\n\n", n, conc)
	b.WriteString("| /readyz sent | statuses | burst seconds | other's request during burst | same, quiet |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| %d | %s | %.2f | %s in %.0f ms | %s |\n\n", sent, mdCell(st.String()), burst.Seconds(),
		under.what(), ms(under.took), quiet)
	urls := regexp.MustCompile(`https?://[^"\s,}]+`).FindAllString(string(pub.body), -1)
	fmt.Fprintf(&b, "Public `/readyz` answer (%s, %d bytes; internal URLs: %s):\n\n```\n%s\n```",
		pub.what(), len(pub.body), urlList(urls), shorten(strings.TrimSpace(string(pub.body)), 600))
	return b.String()
}

// quietVictim is the fresh-token cache miss without the /readyz burst.
func quietVictim(ctx context.Context, o options, img string) string {
	select {
	case <-time.After(3 * time.Second):
	case <-ctx.Done():
	}
	tok, err := freshToken(ctx, "other")
	if err != nil {
		return "n/a: " + err.Error()
	}
	a := call(ctx, "GET", fmt.Sprintf("%s/v2.1/images/%s?x=%s", o.target, img, randomHex(12)), tok, nil)
	return fmt.Sprintf("%s in %.0f ms", a.what(), ms(a.took))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func urlList(urls []string) string {
	if len(urls) == 0 {
		return "none"
	}
	seen := map[string]bool{}
	var out []string
	for _, u := range urls {
		if !seen[u] {
			seen[u] = true
			out = append(out, "`"+u+"`")
		}
	}
	return fmt.Sprintf("yes, %d: %s", len(out), strings.Join(out, ", "))
}

// metricsScenario (9): /metrics on the API listener without a token, as
// the binary runs here (operator listener set), on the operator URL, and
// with --bin on a copy started without IMAGEGW_OPERATOR_LISTEN (defaults).
func metricsScenario(ctx context.Context, o options, c *cloud) string {
	var b strings.Builder
	b.WriteString("Pattern: `GET /metrics`, no token, after the traffic above. Rows: the main URL (the spec's figure); " +
		"the operator URL; and, with `--bin`, the main URL of a copy started with `IMAGEGW_OPERATOR_LISTEN` unset " +
		"(the binary's default) after one demo `GET /v2.1/images`.\n\n")
	b.WriteString("| where | status | bytes | body contains `project=\"` | seeded project ids named in it |\n|---|---|---|---|---|\n")
	b.WriteString(metricsRow(ctx, c, "main URL", o.target) + "\n")
	if o.ops != "" {
		b.WriteString(metricsRow(ctx, c, "operator URL", o.ops) + "\n")
	}
	if o.bin != "" {
		b.WriteString(defaultMetricsRow(ctx, o, c) + "\n")
	}
	return b.String()
}

func metricsRow(ctx context.Context, c *cloud, where, base string) string {
	a := call(ctx, "GET", base+"/metrics", "", nil)
	projects := 0
	for _, id := range c.projects {
		if id != "" && strings.Contains(string(a.body), id) {
			projects++
		}
	}
	status := a.what()
	if a.status != 200 {
		status += " `" + mdCell(shorten(string(a.body), 60)) + "`"
	}
	return fmt.Sprintf("| %s | %s | %d | %v | %d of %d |", where, status, len(a.body),
		strings.Contains(string(a.body), `project="`), projects, len(c.projects))
}

// defaultMetricsRow spawns --bin with its default operator settings.
func defaultMetricsRow(ctx context.Context, o options, c *cloud) string {
	name := "main URL, default operator_listen"
	tok, err := c.token(ctx, "demo")
	if err != nil {
		return fmt.Sprintf("| %s | n/a: %s | | | |", name, mdCell(err.Error()))
	}
	g, err := spawn(ctx, o.bin, o.cloudDir, "metrics", nil, []string{"IMAGEGW_OPERATOR_LISTEN="})
	if err != nil {
		return fmt.Sprintf("| %s | n/a: %s | | | |", name, mdCell(shorten(err.Error(), 200)))
	}
	defer g.remove()
	defer g.stop(30 * time.Second)
	time.Sleep(300 * time.Millisecond) // a listener that fails ends the process
	select {
	case <-g.exited:
		return fmt.Sprintf("| %s | n/a: exited: `%s` | | | |", name, mdCell(shorten(g.lastLine(), 160)))
	default:
	}
	call(ctx, "GET", g.base+"/v2.1/images", tok, nil)
	return metricsRow(ctx, c, name, g.base)
}
