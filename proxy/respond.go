package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/imagegw/imagegw/microversion"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/translate"
)

// ErrShuttingDown is the cause with which the binary cancels the requests
// still in flight when shutdown_grace is over; they are answered 503.
var ErrShuttingDown = errors.New("imagegw is shutting down")

// msgUnavailable is webob's HTTPServiceUnavailable text, which Nova and
// keystonemiddleware answer with.
const msgUnavailable = translate.MsgUnavailable

// Errors that are not Nova faults (*translate.Error) but still answers.
var (
	// errUnauthorized is keystonemiddleware's 401.
	errUnauthorized = errors.New("the request you have made requires authentication")
	// errRouterNotFound is the API router's 404 (never 405), a webob page.
	errRouterNotFound = &webobPage{http.StatusNotFound, "Not Found", "The resource could not be found."}
	// errTooLarge is oslo's sizelimit 413, a webob page.
	errTooLarge = &webobPage{http.StatusRequestEntityTooLarge, "Request Entity Too Large",
		"Request is too large. Larger than max_request_body_size (114688)."}
)

// webobPage is an answer webob renders itself (router and paste filters,
// not Nova's fault wrapper).
type webobPage struct {
	status         int
	title, message string
}

func (p *webobPage) Error() string { return p.title }

// handleError is Echo's error handler (the operator listener; the API's
// errors reach writeError from requestLog).
func (s *Server) handleError(err error, c echo.Context) { s.writeError(c, err) }

// writeError is the one place an error becomes an answer: Nova's fault
// body, keystonemiddleware's 401, webob's pages, 499 for a client that
// left, 503 for a request cut short by shutdown. Its log lines carry the
// request id, route and project of the request's access line.
func (s *Server) writeError(c echo.Context, err error) {
	if c.Response().Committed {
		return
	}
	var ne *translate.Error
	var page *webobPage
	var he *echo.HTTPError
	switch {
	case errors.Is(context.Cause(c.Request().Context()), ErrShuttingDown):
		// shutdown_grace is over and the request is still waiting: Nova's
		// 503, not a bare close
		s.errorLog(c).Warn("request cut short by shutdown", zap.Error(err))
		c.Response().Header().Set("Connection", "close")
		_ = writeFault(c, &translate.Error{Status: http.StatusServiceUnavailable, Message: msgUnavailable})
	case errors.Is(err, context.Canceled):
		// the client went away (a fault may wrap it): nobody reads the answer
		s.errorLog(c).Info("request cancelled by the client")
		writeEmpty(c.Response(), statusClientClosed, false)
	case errors.Is(err, errUnauthorized):
		_ = s.writeUnauthorized(c)
	case errors.As(err, &ne):
		if ne.Status >= 500 {
			s.errorLog(c).Error("request failed", zap.Error(ne))
		}
		_ = writeFault(c, ne)
	case errors.As(err, &page):
		_ = writeWebob(c, page)
	case errors.As(err, &he) && (he.Code == http.StatusNotFound || he.Code == http.StatusMethodNotAllowed):
		h := c.Response().Header()
		for _, k := range []string{"Allow", microversion.HeaderStandard, microversion.HeaderLegacy, "Vary"} {
			h.Del(k)
		}
		_ = writeWebob(c, errRouterNotFound)
	case errors.Is(err, context.DeadlineExceeded):
		// request_timeout passed while waiting for Glance: Nova's answer to
		// a Glance that does not answer
		s.errorLog(c).Warn("request timed out", zap.Error(err))
		_ = writeFault(c, translate.Unexpected("nova.exception.GlanceConnectionFailed", err))
	default:
		s.errorLog(c).Error("unexpected error", zap.Error(err))
		_ = writeFault(c, translate.Unexpected("Exception", err))
	}
}

// writePassThroughError answers a request Nova could not (onError of the
// pass-through): Nova's fault body for what its load balancer would say
// (translate.NovaUnavailable), with request ids under the API mounts as
// Nova's answer would carry; 499 and no body for a client that left.
func (s *Server) writePassThroughError(w http.ResponseWriter, r *http.Request, err error, p *passThrough) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		writeEmpty(w, statusClientClosed, false)
		return
	}
	fault := translate.NovaUnavailable(upstream.Failure(err), err)
	p.state.Store(novaDown)
	s.metrics.upstreamKO.WithLabelValues("nova", strconv.Itoa(fault.Status)).Inc()
	h := w.Header()
	id := newRequestID()
	if classify(r.URL.Path).underMount() {
		h["X-Openstack-Request-Id"], h["X-Compute-Request-Id"] = []string{id}, []string{id}
	}
	s.log.Error("Nova did not answer", zap.String("request_id", id), zap.String("route", "nova"),
		zap.String("path", r.URL.Path), zap.Error(err))
	writeFaultTo(w, r, fault)
}

// writeNoRegion answers a request under no region's prefix, with its log
// line: Nova's 404 fault saying so, never another region's answer.
func (s *Server) writeNoRegion(w http.ResponseWriter, r *http.Request) {
	writeFaultTo(w, r, translate.NoRegion(r.URL.Path))
	s.metrics.observeRequest(requestLabels{route: "no-region", method: r.Method, status: http.StatusNotFound}, 0)
	s.log.Info("request", zap.String("method", r.Method), zap.String("route", "no-region"),
		zap.String("path", r.URL.Path), zap.Int("status", http.StatusNotFound), zap.String("user_agent", r.UserAgent()))
}

// statusClientClosed is nginx's 499: the client closed the connection.
const statusClientClosed = 499

// errorLog is the logger of an error line: the access line's request id,
// route and project.
func (s *Server) errorLog(c echo.Context) *zap.Logger {
	rq, _ := c.(*request)
	if rq == nil {
		return s.log.With(zap.String("route", c.Path()))
	}
	return s.log.With(zap.String("request_id", rq.id), zap.String("route", c.Path()), zap.String("project", rq.project))
}

// writeUnauthorized is keystonemiddleware's 401 with WWW-Authenticate.
func (s *Server) writeUnauthorized(c echo.Context) error {
	c.Response().Header().Set("WWW-Authenticate", `Keystone uri="`+s.authURI+`"`)
	return writeJSON(c, http.StatusUnauthorized, "application/json", map[string]any{
		"error": map[string]any{"code": 401, "title": "Unauthorized",
			"message": "The request you have made requires authentication."},
	})
}

// writeWebob writes webob's page: JSON when the client accepts it, else
// HTML (HEAD: HTML headers, no body).
func writeWebob(c echo.Context, p *webobPage) error {
	r := c.Request()
	statusLine := http.StatusText(p.status)
	if p.status == http.StatusRequestEntityTooLarge {
		statusLine = "Request Entity Too Large"
	}
	if r.Method != http.MethodHead && acceptsJSON(r.Header.Get("Accept")) {
		return writeJSON(c, p.status, "application/json", map[string]any{
			"message": p.message + "<br /><br />\n\n\n",
			"code":    itoa(p.status) + " " + statusLine,
			"title":   p.title,
		})
	}
	body := "<html>\n <head>\n  <title>" + itoa(p.status) + " " + statusLine + "</title>\n </head>\n <body>\n  <h1>" +
		itoa(p.status) + " " + statusLine + "</h1>\n  " + p.message + "<br /><br />\n\n\n\n </body>\n</html>"
	return writeBody(c, p.status, "text/html; charset=UTF-8", []byte(body))
}

func acceptsJSON(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if mt == "application/json" {
			return true
		}
	}
	return false
}

// faultType is the Content-Type of Nova's fault bodies.
const faultType = "application/json; charset=UTF-8"

// novaFaultBody is Nova's fault body {"<name>": {"code": N, "message": "..."}}.
func novaFaultBody(e *translate.Error) []byte {
	b, _ := json.Marshal(map[string]any{translate.FaultName(e.Status): map[string]any{"code": e.Status, "message": e.Message}})
	return b
}

// writeFault writes Nova's fault body.
func writeFault(c echo.Context, e *translate.Error) error {
	return writeBody(c, e.Status, faultType, novaFaultBody(e))
}

// writeFaultTo writes Nova's fault body outside Echo (the answers given
// before routing: the pass-through's, a path under no region).
func writeFaultTo(w http.ResponseWriter, r *http.Request, e *translate.Error) {
	b := novaFaultBody(e)
	_ = frame(w, r.Method, e.Status, faultType, b, []string{strconv.Itoa(len(b))})
}

// successType is the Content-Type of a successful response: Nova echoes
// application/vnd.openstack.compute+json when the client prefers it.
func successType(c echo.Context) string {
	const vnd = "application/vnd.openstack.compute+json"
	accept := c.Request().Header.Get("Accept")
	if !strings.Contains(accept, vnd) {
		return "application/json"
	}
	best, bestQ := "application/json", -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		mt = strings.TrimSpace(mt)
		if mt != vnd && mt != "application/json" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > bestQ || (q == bestQ && mt == "application/json") {
			best, bestQ = mt, q
		}
	}
	return best
}

func writeJSON(c echo.Context, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeBody(c, status, contentType, b)
}

// writeEmpty writes an answer without a body: eventlet's limit answers
// (closing the connection), OPTIONS and 499.
func writeEmpty(w http.ResponseWriter, status int, closing bool) {
	h := w.Header()
	if closing {
		h.Set("Connection", "close")
	}
	h["Content-Length"] = zeroLength
	w.WriteHeader(status)
}

// zeroLength is the shared Content-Length value of an empty answer.
var zeroLength = []string{"0"}[:1:1]

func writeBody(c echo.Context, status int, contentType string, b []byte) error {
	return writeFramed(c, status, contentType, b, []string{strconv.Itoa(len(b))})
}

// writeFramed writes a whole answer with its Content-Length (a header
// value slice the caller may share: never written to). Nova always sends
// Content-Length; without it Go's server chunks any answer over 2 KB.
func writeFramed(c echo.Context, status int, contentType string, b []byte, contentLength []string) error {
	closeIfBodyUnread(c)
	return frame(c.Response(), c.Request().Method, status, contentType, b, contentLength)
}

// frame writes the header and, except to HEAD, the body.
func frame(w http.ResponseWriter, method string, status int, contentType string, b []byte, contentLength []string) error {
	h := w.Header()
	h["Content-Type"] = contentTypeValue(contentType)
	h["Content-Length"] = contentLength
	w.WriteHeader(status)
	if method == http.MethodHead {
		return nil
	}
	_, err := w.Write(b)
	return err
}

// The success content types as header values, shared (never written).
var (
	jsonTypeValue = []string{"application/json"}[:1:1]
	vndTypeValue  = []string{"application/vnd.openstack.compute+json"}[:1:1]
)

func contentTypeValue(ct string) []string {
	switch ct {
	case jsonTypeValue[0]:
		return jsonTypeValue
	case vndTypeValue[0]:
		return vndTypeValue
	}
	return []string{ct}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// handler serves a route once the pipeline ran: it returns the answer,
// which writeResponse writes, or an error, which writeError renders.
type handler func(*request) (response, error)

// response is a handler's successful answer.
type response struct {
	status      int
	contentType string
	body        []byte
	// contentLength is the Content-Length header value (shared, never
	// written to); nil: made from body.
	contentLength []string
}

// noContentResponse is Nova's 204.
var noContentResponse = response{status: http.StatusNoContent}

// cachedResponse answers a read with its rendered bytes.
func cachedResponse(c *Cached) response {
	return response{status: http.StatusOK, contentType: c.ContentType, body: c.Body, contentLength: c.contentLength}
}

// jsonResponse answers status with v as JSON (a 204 has no body).
func jsonResponse(rq *request, status int, v any) (response, error) {
	if status == http.StatusNoContent {
		return noContentResponse, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return response{}, translate.Unexpected("TypeError", err)
	}
	return response{status: status, contentType: rq.contentType, body: b}, nil
}

// page adapts the answers outside the API routes (version documents,
// health, the migration report) to Echo: they return, writeResponse
// writes.
func page(h func(echo.Context) (response, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		res, err := h(c)
		if err != nil {
			return err
		}
		return writeResponse(c, res)
	}
}

// jsonAnswer is status with v as JSON of contentType.
func jsonAnswer(status int, contentType string, v any) (response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return response{}, err
	}
	return response{status: status, contentType: contentType, body: b}, nil
}

// writeResponse writes a handler's answer.
func writeResponse(c echo.Context, res response) error {
	if res.status == http.StatusNoContent {
		return noContent(c)
	}
	if res.contentLength == nil {
		res.contentLength = []string{strconv.Itoa(len(res.body))}
	}
	return writeFramed(c, res.status, res.contentType, res.body, res.contentLength)
}

// noContent is Nova's 204: Content-Type application/json, empty body,
// no Content-Length (RFC 9110; Nova sends 0: a listed deviation).
func noContent(c echo.Context) error {
	h := c.Response().Header()
	h["Content-Type"] = jsonTypeValue
	c.Response().WriteHeader(http.StatusNoContent)
	return nil
}
