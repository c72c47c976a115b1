//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"time"
)

func refused() *injection { return &injection{name: "connection refused", refused: true} }

// slow forwards after d, unless the caller gave up first.
func slow(d time.Duration) *injection {
	return &injection{name: fmt.Sprintf("no answer for %s", d), serve: func(p *faultProxy, _ int64, w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			p.rp.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}}
}

// status answers code with an HTML page (as a load balancer would); first
// > 0 limits it to the first that many requests, the others are forwarded.
func status(code int, first int64) *injection {
	name := fmt.Sprintf("%d", code)
	if first > 0 {
		name = fmt.Sprintf("%d once, then the real answer", code)
	}
	return &injection{name: name, serve: func(p *faultProxy, n int64, w http.ResponseWriter, r *http.Request) {
		if first > 0 && n > first {
			p.rp.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", code, http.StatusText(code))
	}}
}

// truncated sends the first half of the real answer, correctly framed
// (Content-Length of the half): the body is cut JSON.
func truncated() *injection {
	return &injection{name: "real answer cut in half", serve: func(p *faultProxy, _ int64, w http.ResponseWriter, r *http.Request) {
		rec := p.forwardRecorded(r)
		half := rec.Body.Bytes()[:rec.Body.Len()/2]
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(half)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(half)
	}}
}

// notJSON answers 200 with a body that is not JSON, of the given type.
func notJSON(contentType string) *injection {
	return &injection{name: "200, not JSON (" + contentType + ")", serve: func(_ *faultProxy, _ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html><body>upstream maintenance</body></html>\n"))
	}}
}

// resetMidBody sends the real answer's head (full Content-Length) and half
// of its body, then resets the connection.
func resetMidBody() *injection {
	return &injection{name: "connection reset mid-body", serve: func(p *faultProxy, _ int64, w http.ResponseWriter, r *http.Request) {
		rec := p.forwardRecorded(r)
		body := rec.Body.Bytes()
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			rec.Code, http.StatusText(rec.Code), rec.Header().Get("Content-Type"), len(body))
		_, _ = buf.Write(body[:len(body)/2])
		_ = buf.Flush()
		if l, ok := conn.(interface{ SetLinger(int) error }); ok {
			_ = l.SetLinger(0)
		}
		_ = conn.Close()
	}}
}

// only limits a fault to requests of one method.
func only(method string, f *injection) *injection {
	f.name += " on " + method
	f.match = func(r *http.Request) bool { return r.Method == method }
	return f
}

// validationOnly limits a fault to token validations (GET /v3/auth/tokens).
func validationOnly(f *injection) *injection {
	f.match = func(r *http.Request) bool { return r.URL.Path == "/v3/auth/tokens" && r.Method == "GET" }
	return f
}
