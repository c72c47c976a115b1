package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// newlineScenario (3): a trailing %0A on the id, for a delete and for
// concurrent metadata writes.
func newlineScenario(ctx context.Context, o options, c *cloud) string {
	tok, err := c.token(ctx, "demo")
	if err != nil {
		return "not measured: " + err.Error()
	}
	var b strings.Builder
	b.WriteString(newlineDelete(ctx, o, c, tok))
	b.WriteString("\n\n")
	b.WriteString(newlineMetadata(ctx, o, c, tok))
	return b.String()
}

// newlineDelete: cache an image, delete it as <id>%0A, then see how long
// imagegw still shows it.
func newlineDelete(ctx context.Context, o options, c *cloud, tok string) string {
	id, err := c.createImage(ctx, "abuse-nl")
	if err != nil {
		return "Delete: not measured: " + err.Error()
	}
	defer c.deleteImage(ctx, id)
	show := o.target + "/v2.1/images/" + id
	first := call(ctx, "GET", show, tok, nil)
	del := call(ctx, "DELETE", show+"%0A", tok, nil)
	_, inGlance := c.glanceImage(ctx, id)
	const every, limit = 100 * time.Millisecond, 35 * time.Second
	start := time.Now()
	var last answer
	polls := 0
	for time.Since(start) < limit && ctx.Err() == nil {
		last = call(ctx, "GET", show, tok, nil)
		polls++
		if last.err != nil || last.status != 200 {
			break
		}
		time.Sleep(every)
	}
	kept := time.Since(start)
	var b strings.Builder
	fmt.Fprintf(&b, "Delete — pattern: demo creates `abuse-nl` in Glance, `GET /v2.1/images/<id>` through imagegw (%s), "+
		"`DELETE /v2.1/images/<id>%%0A`, then `GET /v2.1/images/<id>` every %s for up to %s.\n\n", first.what(), every, limit)
	b.WriteString("| DELETE `<id>%0A` | image in Glance after it | imagegw kept answering 200 for | first other answer |\n|---|---|---|---|\n")
	end := fmt.Sprintf("%s (%s)", last.what(), mdCell(shorten(string(last.body), 120)))
	keptS := fmt.Sprintf("%.1f s (%d GETs)", kept.Seconds(), polls)
	if last.err == nil && last.status == 200 {
		end = "none: still 200 at the end"
		keptS = fmt.Sprintf("≥ %.1f s (%d GETs, still 200)", kept.Seconds(), polls)
	}
	fmt.Fprintf(&b, "| %s %s | GET /v2/images/<id>: %s | %s | %s |", del.what(), mdCell(shorten(string(del.body), 120)),
		inGlance.what(), keptS, end)
	return b.String()
}

// newlineMetadata: 24 concurrent single-key metadata creates, half on
// <id> and half on <id>%0A; how many keys survive in Glance.
func newlineMetadata(ctx context.Context, o options, c *cloud, tok string) string {
	const n = 24
	id, err := c.createImage(ctx, "abuse-nl-meta")
	if err != nil {
		return "Metadata: not measured: " + err.Error()
	}
	defer c.deleteImage(ctx, id)
	var plain, nl tally
	start := make(chan struct{})
	done := make(chan struct{}, n)
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			url, t := o.target+"/v2.1/images/"+id+"/metadata", &plain
			if i%2 == 1 {
				url, t = o.target+"/v2.1/images/"+id+"%0A/metadata", &nl
			}
			<-start
			a := call(ctx, "POST", url, tok, fmt.Appendf(nil, `{"metadata":{"key%02d":"v"}}`, i))
			t.add(a.what())
		}()
	}
	close(start)
	for range n {
		<-done
	}
	im, ga := c.glanceImage(ctx, id)
	kept := "n/a: " + ga.what()
	if im != nil {
		k := 0
		for i := range n {
			if _, ok := im[fmt.Sprintf("key%02d", i)]; ok {
				k++
			}
		}
		kept = fmt.Sprintf("%d of %d", k, n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Metadata — pattern: %d concurrent `POST /v2.1/images/<id>/metadata` `{\"metadata\":{\"keyNN\":\"v\"}}` "+
		"(NN = 00..23), even NN on `<id>`, odd NN on `<id>%%0A`, on a fresh demo image; keys counted in `GET /v2/images/<id>` on Glance.\n\n", n)
	b.WriteString("| statuses on `<id>` | statuses on `<id>%0A` | keys Glance kept |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| %s | %s | %s |", mdCell(plain.String()), mdCell(nl.String()), kept)
	return b.String()
}
