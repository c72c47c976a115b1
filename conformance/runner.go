package conformance

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Request is what was sent for a case.
type Request struct {
	Method       string   `json:"method"`
	PathTemplate string   `json:"path_template"`
	Path         string   `json:"path"`
	Headers      []Header `json:"headers,omitempty"`
	Body         *string  `json:"body,omitempty"`
	User         string   `json:"user"`
}

// Response is what came back, raw.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Exchange is one case's request and response (or the transport error).
type Exchange struct {
	Case     Case
	Request  Request
	Response Response
	Err      error
}

// Runner sends the matrix to one endpoint.
type Runner struct {
	// Target is scheme://host:port of the Nova-compatible endpoint.
	Target string
	// Cloud resolves the placeholders.
	Cloud *Cloud
	// Tokens per user (demo, alt, admin, other, reader).
	Tokens map[string]string
	// Client is used for every request; nil: a client without compression
	// and a 60 s timeout.
	Client *http.Client
	// Progress, if set, is called after every case.
	Progress func(done, total int, ex *Exchange)
}

// DefaultClient returns the HTTP client the runner uses by default: no
// transparent gzip (so headers are what the server sent), no proxy,
// 60 s per request.
func DefaultClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DisableCompression: true, Proxy: nil, MaxIdleConnsPerHost: 4},
		Timeout:   60 * time.Second,
		// never follow redirects (300 choices carry no Location, but be sure)
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run sends every case in order and returns one exchange per case. A
// transport error is recorded in the exchange; Run only fails when a
// placeholder cannot be resolved or ctx ends.
func (r *Runner) Run(ctx context.Context, cases []Case) ([]Exchange, error) {
	client := r.Client
	if client == nil {
		client = DefaultClient()
	}
	out := make([]Exchange, 0, len(cases))
	for i, c := range cases {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		ex, err := r.one(ctx, client, c)
		if err != nil {
			return out, fmt.Errorf("case %s: %w", c.Name, err)
		}
		out = append(out, ex)
		if r.Progress != nil {
			r.Progress(i+1, len(cases), &out[len(out)-1])
		}
	}
	return out, nil
}

func (r *Runner) one(ctx context.Context, client *http.Client, c Case) (Exchange, error) {
	path, err := r.Cloud.Resolve(c.Path)
	if err != nil {
		return Exchange{}, err
	}
	ex := Exchange{Case: c, Request: Request{Method: c.Method, PathTemplate: c.Path, Path: path, User: c.User}}
	var body io.Reader
	if c.Body != nil {
		s, err := r.Cloud.Resolve(*c.Body)
		if err != nil {
			return Exchange{}, err
		}
		ex.Request.Body = &s
		body = strings.NewReader(s)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, strings.TrimRight(r.Target, "/")+path, body)
	if err != nil {
		return Exchange{}, err
	}
	switch c.User {
	case UserNone:
	case UserBad:
		req.Header.Set("X-Auth-Token", BadToken)
	default:
		tok, ok := r.Tokens[c.User]
		if !ok {
			return Exchange{}, fmt.Errorf("no token for user %q", c.User)
		}
		req.Header.Set("X-Auth-Token", tok)
	}
	// JSON error pages from webob (router 404, 413) need this
	req.Header.Set("Accept", "application/json")
	overridden := map[string]bool{}
	for _, h := range c.Headers {
		v, err := r.Cloud.Resolve(h.Value)
		if err != nil {
			return Exchange{}, err
		}
		key := http.CanonicalHeaderKey(h.Name)
		if !overridden[key] {
			// the case's own lines replace the defaults (Accept, X-Auth-Token)
			req.Header.Del(h.Name)
			overridden[key] = true
		}
		// keep the name as written (Go canonicalises it on the wire anyway)
		req.Header[key] = append(req.Header[key], v)
		ex.Request.Headers = append(ex.Request.Headers, Header{h.Name, v})
	}
	res, err := client.Do(req)
	if err != nil {
		ex.Err = err
		return ex, nil
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		ex.Err = err
		return ex, nil
	}
	ex.Response = Response{Status: res.StatusCode, Header: res.Header, Body: b}
	return ex, nil
}

func shortHash(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:4])
}
