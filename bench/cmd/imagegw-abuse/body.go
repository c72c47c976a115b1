package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// utf8Scenario (4): a metadata value that is not UTF-8.
func utf8Scenario(ctx context.Context, o options, c *cloud) string {
	tok, err := c.token(ctx, "demo")
	if err != nil {
		return "not measured: " + err.Error()
	}
	id, err := c.createImage(ctx, "abuse-utf8")
	if err != nil {
		return "not measured: " + err.Error()
	}
	defer c.deleteImage(ctx, id)
	a := call(ctx, "POST", o.target+"/v2.1/images/"+id+"/metadata", tok, []byte("{\"metadata\":{\"k\":\"a\xffb\"}}"))
	im, ga := c.glanceImage(ctx, id)
	stored := "n/a: Glance " + ga.what()
	if im != nil {
		stored = "absent"
		if v, ok := im["k"]; ok {
			stored = fmt.Sprintf("%q", v)
		}
	}
	var b strings.Builder
	b.WriteString("Pattern: `POST /v2.1/images/<id>/metadata` on a fresh demo image with the raw body " +
		"`{\"metadata\":{\"k\":\"a\\xffb\"}}` (byte 0xff), then `GET /v2/images/<id>` on Glance.\n\n")
	b.WriteString("| status | answer | Glance's k |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| %s | `%s` | `%s` |", a.what(), mdCell(shorten(string(a.body), 160)), mdCell(stored))
	return b.String()
}

// rawResult is what a raw HTTP/1.1 exchange saw.
type rawResult struct {
	statusLine string
	status     time.Duration // until the status line arrived
	complete   time.Duration // until the whole answer arrived
	closed     time.Duration // until the server closed (0: not seen)
	body       string
	err        error
}

// rawExchange writes req on a new connection and reads until the answer
// is complete (and, with waitClose, until the server closes), for at most
// limit.
func rawExchange(addr string, req []byte, waitClose bool, limit time.Duration) rawResult {
	var r rawResult
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		r.err = err
		return r
	}
	defer conn.Close()
	start := time.Now()
	_ = conn.SetDeadline(start.Add(limit))
	if _, err := conn.Write(req); err != nil {
		r.err = err
		return r
	}
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if r.status == 0 && bytes.Contains(got, []byte("\r\n")) {
			r.status, r.statusLine = time.Since(start), string(got[:bytes.Index(got, []byte("\r\n"))])
		}
		if r.complete == 0 && r.status != 0 && parseAnswer(got, &r) {
			r.complete = time.Since(start)
			if !waitClose {
				return r
			}
		}
		if errors.Is(err, io.EOF) {
			r.closed = time.Since(start)
			return r
		}
		if err != nil {
			r.err = err
			return r
		}
	}
}

// parseAnswer reports whether got holds a whole HTTP answer, and keeps its body.
func parseAnswer(got []byte, r *rawResult) bool {
	res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return false
	}
	r.body = string(b)
	return true
}

func secs(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// slowBodyScenario (5): a metadata POST whose body stops after 10 of 40
// bytes, with and without a token.
func slowBodyScenario(ctx context.Context, o options, c *cloud) string {
	tok, err := c.token(ctx, "demo")
	if err != nil {
		return "not measured: " + err.Error()
	}
	id, err := c.createImage(ctx, "abuse-slow")
	if err != nil {
		return "not measured: " + err.Error()
	}
	defer c.deleteImage(ctx, id)
	u, err := url.Parse(o.target)
	if err != nil {
		return "not measured: " + err.Error()
	}
	body := `{"metadata":{"slow":"0123456789abcdefghi"}}`[:40]
	head := func(token string) []byte {
		var b strings.Builder
		fmt.Fprintf(&b, "POST /v2.1/images/%s/metadata HTTP/1.1\r\nHost: %s\r\n", id, u.Host)
		if token != "" {
			fmt.Fprintf(&b, "X-Auth-Token: %s\r\n", token)
		}
		b.WriteString("Content-Type: application/json\r\nContent-Length: 40\r\n\r\n" + body[:10])
		return []byte(b.String())
	}
	with := rawExchange(u.Host, head(tok), false, 20*time.Second)
	without := rawExchange(u.Host, head(""), true, 20*time.Second)
	var b strings.Builder
	b.WriteString("Pattern: raw TCP `POST /v2.1/images/<id>/metadata`, `Content-Type: application/json`, `Content-Length: 40`, " +
		"only the first 10 body bytes sent, then nothing (server read_timeout 5 s; the client gives up after 20 s).\n\n")
	b.WriteString("| token | status line | answer body | status line after | answer complete after | server closed after |\n|---|---|---|---|---|---|\n")
	for _, x := range []struct {
		name string
		r    rawResult
	}{{"demo's", with}, {"none", without}} {
		line := x.r.statusLine
		if line == "" {
			line = "(none)"
			if x.r.err != nil {
				line = "(none: " + shorten(x.r.err.Error(), 80) + ")"
			}
		}
		closed := secs(x.r.closed)
		switch {
		case x.r.closed != 0:
		case x.name == "demo's":
			closed = "not waited for"
		default:
			closed = "still open at 20 s"
		}
		fmt.Fprintf(&b, "| %s | `%s` | `%s` | %s | %s | %s |\n", x.name, mdCell(line), mdCell(shorten(x.r.body, 200)),
			secs(x.r.status), secs(x.r.complete), closed)
	}
	return b.String()
}
