package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// request is one planned HTTP exchange with what is expected back.
type request struct {
	op      string
	user    string
	method  string
	path    string
	header  map[string]string
	body    []byte
	expect  []int
	check   func(status int, body []byte) error // body shape; nil: none
	release func(ok bool)                       // own-image key claims
}

type result struct {
	op       string
	at       time.Duration // completion, since the load started
	latency  time.Duration
	status   int // 0: transport error
	errKind  string
	errNote  string
	req      *request
	respBody []byte
	reqID    string
}

// do sends one request and classifies the answer.
func (s *soak) do(ctx context.Context, r *request) result {
	res := result{op: r.op, req: r}
	tok, err := s.accounts[r.user].get(ctx)
	if err != nil {
		res.errKind, res.errNote = "token", err.Error()
		res.at = time.Since(s.start)
		return res
	}
	rctx, cancel := context.WithTimeout(ctx, s.o.timeout)
	defer cancel()
	hr, err := s.newHTTPRequest(rctx, r, tok)
	if err != nil {
		res.errKind, res.errNote = "request", err.Error()
		res.at = time.Since(s.start)
		return res
	}
	t0 := time.Now()
	err = s.exchange(hr, &res)
	res.latency = time.Since(t0)
	res.at = time.Since(s.start)
	classify(&res, err)
	return res
}

func (s *soak) newHTTPRequest(ctx context.Context, r *request, token string) (*http.Request, error) {
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.method, s.o.target+r.path, rd)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("X-Auth-Token", token)
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", "imagegw-soak")
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	return hr, nil
}

// exchange sends hr and records the answer in res; the error is the
// transport's or the body read's.
func (s *soak) exchange(hr *http.Request, res *result) error {
	resp, err := s.client.Do(hr)
	if err != nil {
		return err
	}
	res.respBody, err = io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	resp.Body.Close()
	res.status = resp.StatusCode
	res.reqID = resp.Header.Get("X-Compute-Request-Id")
	if res.reqID == "" {
		res.reqID = resp.Header.Get("X-Openstack-Request-Id")
	}
	return err
}

// classify sets the error kind of an answer against what its request
// expects; err is the exchange's.
func classify(res *result, err error) {
	r := res.req
	switch {
	case err != nil:
		res.errKind, res.errNote = "transport", err.Error()
	case res.status >= 500:
		res.errKind = "5xx"
	case !statusExpected(r.expect, res.status):
		res.errKind = "unexpected status"
	case r.check != nil:
		if cerr := r.check(res.status, res.respBody); cerr != nil {
			res.errKind, res.errNote = "bad body", cerr.Error()
		}
	}
}
