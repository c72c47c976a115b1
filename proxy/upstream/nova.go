package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"syscall"
	"time"

	"github.com/imagegw/imagegw/translate"
)

// Nova is the nova-api imagegw stands in front of (nova_url): the reverse
// proxy every compute request that is not an image proxy call goes
// through, and Nova's version document.
type Nova struct {
	root      *url.URL
	transport *http.Transport
	timeout   time.Duration
}

// NewNova reaches the Nova serving "/" at root. Connections are kept
// (256 idle: a pass-through must not dial per request), a dial or an
// answer's headers wait timeout at most; a body streams for as long as
// it takes.
func NewNova(root string, timeout time.Duration) (*Nova, error) {
	u, err := url.Parse(root)
	if err != nil {
		return nil, fmt.Errorf("nova: nova_url: %w", err)
	}
	return &Nova{root: u, timeout: timeout, transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
	}}, nil
}

// ReverseProxy forwards a request unchanged (method, path below a
// region's prefix, query, body, headers; hop-by-hop ones aside, as RFC
// 9110 asks of any proxy) and streams Nova's answer back unchanged. The
// Host header is the client's, or public's (public_url: host, scheme and
// path prefix of the links; nil: each request's own), so the links Nova builds from it (self, bookmark,
// Location, *_links) name imagegw; X-Forwarded-For, -Host, -Proto and
// -Prefix carry the rest for a Nova that parses them ([oslo_middleware]
// enable_proxy_headers_parsing). onError answers what Nova could not.
func (n *Nova) ReverseProxy(public *url.URL, prefix string, onError func(http.ResponseWriter, *http.Request, error)) *httputil.ReverseProxy {
	// what the links are made of, decided once: the region's prefix, or
	// public_url's path
	var host, proto string
	if public != nil {
		host, proto = public.Host, public.Scheme
		if public.Path != "" && public.Path != "/" {
			prefix = public.Path
		}
	}
	return &httputil.ReverseProxy{
		Transport: n.transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(n.root)
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
			if host != "" {
				pr.Out.Host = host
				pr.Out.Header.Set("X-Forwarded-Host", host)
				pr.Out.Header.Set("X-Forwarded-Proto", proto)
			}
			if prefix != "" {
				pr.Out.Header.Set("X-Forwarded-Prefix", prefix)
			}
		},
		ErrorHandler: onError,
		BufferPool:   copyBuffers{},
	}
}

// copyBuffers recycles the 32 KB buffers ReverseProxy copies bodies
// through: without a pool it allocates one per request. The pool holds
// array pointers: a slice put back as &b would escape (one allocation per
// Put), while the array's address converts back from the slice for free.
type copyBuffers struct{}

type copyBuffer = [32 << 10]byte

var copyBufferPool = sync.Pool{New: func() any { return new(copyBuffer) }}

func (copyBuffers) Get() []byte { return copyBufferPool.Get().(*copyBuffer)[:] }

func (copyBuffers) Put(b []byte) {
	if len(b) == len(copyBuffer{}) {
		copyBufferPool.Put((*copyBuffer)(b))
	}
}

// Failure classifies a pass-through error for the fault answered.
func Failure(err error) translate.NovaFailure {
	var ne net.Error
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &op) && op.Op == "dial" && !op.Timeout():
		return translate.NovaRefused
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return translate.NovaTimeout
	}
	return translate.NovaBroken
}

// Versions reads min_version and version of Nova's /v2.1 document.
func (n *Nova) Versions(ctx context.Context) (minVersion, maxVersion string, err error) {
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.root.JoinPath("v2.1", "/").String(), nil)
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Accept", "application/json")
	res, err := n.transport.RoundTrip(req)
	if err != nil {
		return "", "", fmt.Errorf("nova: version document: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil || res.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("nova: version document: %d %v", res.StatusCode, err)
	}
	var doc struct {
		Version struct {
			Min string `json:"min_version"`
			Max string `json:"version"`
		} `json:"version"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Version.Max == "" {
		return "", "", fmt.Errorf("nova: version document: no version in %.200q", body)
	}
	return doc.Version.Min, doc.Version.Max, nil
}

// Close drops the kept connections.
func (n *Nova) Close() { n.transport.CloseIdleConnections() }
