package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// countingKeystone is a reverse proxy to Keystone that counts token
// validations (GET /v3/auth/tokens) and everything else.
type countingKeystone struct {
	srv       *http.Server
	url       string
	validates atomic.Int64
	others    atomic.Int64
}

func startCountingKeystone(keystone string) (*countingKeystone, error) {
	up, err := url.Parse(keystone)
	if err != nil {
		return nil, err
	}
	up.Path = ""
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	k := &countingKeystone{url: "http://" + l.Addr().String() + "/v3"}
	rp := httputil.NewSingleHostReverseProxy(up)
	k.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/v3/auth/tokens" {
			k.validates.Add(1)
		} else {
			k.others.Add(1)
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = k.srv.Serve(l) }()
	return k, nil
}

func (k *countingKeystone) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = k.srv.Shutdown(ctx)
}

// garbageToken looks like a Fernet token to a casual eye.
func garbageToken() string { return "gAAAAA" + randomHex(64) }

// tokenRun is one batch of requests with garbage tokens.
type tokenRun struct {
	name      string
	requests  int
	st        tally
	validates int64
	others    int64
	took      time.Duration
}

// tokensScenario (8): Keystone calls caused by garbage tokens.
func tokensScenario(ctx context.Context, o options, c *cloud) string {
	ks, err := startCountingKeystone(c.keystone)
	if err != nil {
		return "not measured: " + err.Error()
	}
	defer ks.close()
	g, err := spawn(ctx, o.bin, o.cloudDir, "tokens", nil, []string{"IMAGEGW_KEYSTONE_URL=" + ks.url})
	if err != nil {
		return "not measured: " + err.Error()
	}
	defer g.remove()
	defer g.stop(30 * time.Second)
	one := garbageToken()
	same := &tokenRun{name: "one garbage token, 10 sequential requests"}
	measureTokens(ks, same, func() {
		same.requests = pool(ctx, 10, 1, 60*time.Second, func(int) {
			same.st.add(call(ctx, "GET", g.base+"/v2.1/images", one, nil).what())
		})
	})
	distinct := &tokenRun{name: "200 distinct garbage tokens, concurrency 20"}
	measureTokens(ks, distinct, func() {
		distinct.requests = pool(ctx, 200, 20, 90*time.Second, func(int) {
			distinct.st.add(call(ctx, "GET", g.base+"/v2.1/images", garbageToken(), nil).what())
		})
	})
	var b strings.Builder
	fmt.Fprintf(&b, "Pattern: binary spawned with `IMAGEGW_KEYSTONE_URL=<counting proxy to Keystone>`; `GET /v2.1/images` "+
		"with `X-Auth-Token: gAAAAA<64 random hex>`. Keystone calls = `GET /v3/auth/tokens` seen by the proxy.\n\n")
	b.WriteString("| run | requests | statuses | Keystone validations | other Keystone calls | seconds |\n|---|---|---|---|---|---|\n")
	for _, r := range []*tokenRun{same, distinct} {
		fmt.Fprintf(&b, "| %s | %d | %s | %d | %d | %.2f |\n", r.name, r.requests, mdCell(r.st.String()),
			r.validates, r.others, r.took.Seconds())
	}
	return b.String()
}

// measureTokens runs fn and records the Keystone calls and time it took.
func measureTokens(ks *countingKeystone, r *tokenRun, fn func()) {
	v0, o0 := ks.validates.Load(), ks.others.Load()
	start := time.Now()
	fn()
	r.took = time.Since(start)
	r.validates, r.others = ks.validates.Load()-v0, ks.others.Load()-o0
}
