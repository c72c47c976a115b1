package translate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// GlanceFault is what a Glance call answered when it failed: an HTTP error
// (Status > 0) or a transport failure (Status == 0).
type GlanceFault struct {
	Status      int
	ContentType string
	Body        []byte
	// Transport is set when no HTTP answer arrived (refused, timeout, reset).
	Transport error
}

func (f *GlanceFault) Error() string {
	if f.Transport != nil {
		return "glance unreachable: " + f.Transport.Error()
	}
	return fmt.Sprintf("glance answered %d: %s", f.Status, GlanceDetails(f.ContentType, f.Body))
}

var tagRE = regexp.MustCompile(`<.+?>`)

// GlanceDetails renders a Glance error body as glanceclient's
// exc.from_response does: JSON "message" members joined by newlines; for
// HTML, the lines with tags removed, blanks and duplicates dropped, joined
// with ": ".
func GlanceDetails(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	switch {
	case strings.Contains(contentType, "json"):
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			var msgs []string
			for _, v := range m {
				if o, ok := v.(map[string]any); ok {
					if s, ok := o["message"].(string); ok {
						msgs = append(msgs, s)
					}
				}
			}
			return strings.Join(msgs, "\n")
		}
		return string(body)
	case strings.Contains(contentType, "html"):
		seen := map[string]bool{}
		var parts []string
		for _, line := range pySplitLines(string(body)) {
			line = tagRE.ReplaceAllString(strings.TrimSpace(line), "")
			if line == "" || seen[line] {
				continue
			}
			seen[line] = true
			parts = append(parts, line)
		}
		return strings.Join(parts, ": ")
	}
	return strings.ReplaceAll(string(body), "\n\n", "\n")
}

func pySplitLines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			return true
		}
		return false
	})
}

// glanceclientClass is glanceclient's exception class name for a status.
func glanceclientClass(status int) string {
	names := map[int]string{
		400: "HTTPBadRequest", 401: "HTTPUnauthorized", 403: "HTTPForbidden",
		404: "HTTPNotFound", 405: "HTTPMethodNotAllowed", 409: "HTTPConflict",
		413: "HTTPOverLimit", 415: "HTTPUnsupportedType", 500: "HTTPInternalServerError",
		501: "HTTPNotImplemented", 502: "HTTPBadGateway", 503: "HTTPServiceUnavailable",
	}
	if n, ok := names[status]; ok {
		return "glanceclient.exc." + n
	}
	return "glanceclient.exc.HTTPException"
}

// transportError is Nova's answer when Glance cannot be reached (or keeps
// answering 503) after its retries.
func transportError(f *GlanceFault) *Error {
	return Unexpected("nova.exception.GlanceConnectionFailed", f)
}

func isConnectionFailure(f *GlanceFault) bool {
	return f.Transport != nil || f.Status == http.StatusServiceUnavailable
}

// faultMap is how Nova translates one Glance call's failures
// (nova/image/glance.py _translate_image_exception and the API's except
// clauses): the answer per Glance status; a connection failure (or 503)
// is GlanceConnectionFailed and any other status glanceclient's class.
type faultMap map[int]func(*GlanceFault) *Error

func (m faultMap) answer(f *GlanceFault) *Error {
	if isConnectionFailure(f) {
		return transportError(f)
	}
	if a, ok := m[f.Status]; ok {
		return a(f)
	}
	return Unexpected(glanceclientClass(f.Status), f)
}

// status answers with a Nova fault of that status and message.
func status(code int, message string) func(*GlanceFault) *Error {
	return func(f *GlanceFault) *Error { return &Error{Status: code, Message: message, Cause: f} }
}

// unexpectedAs answers Nova's 500 naming the exception class.
func unexpectedAs(class string) func(*GlanceFault) *Error {
	return func(f *GlanceFault) *Error { return Unexpected(class, f) }
}

// glanceText is Nova's message for a list failure: Glance's own text.
func glanceText(code int) func(*GlanceFault) *Error {
	return func(f *GlanceFault) *Error {
		return &Error{Status: code, Message: "HTTP " + GlanceDetails(f.ContentType, f.Body), Cause: f}
	}
}

var (
	listFaults = faultMap{
		http.StatusBadRequest:   glanceText(http.StatusBadRequest),
		http.StatusUnauthorized: glanceText(http.StatusForbidden),
		http.StatusForbidden:    glanceText(http.StatusForbidden),
		http.StatusNotFound:     unexpectedAs("nova.exception.NotFound"),
	}
	showFaults = faultMap{
		http.StatusNotFound:              status(http.StatusNotFound, MsgImageNotFound),
		http.StatusBadRequest:            unexpectedAs("nova.exception.ImageBadRequest"),
		http.StatusUnauthorized:          unexpectedAs("nova.exception.ImageNotAuthorized"),
		http.StatusForbidden:             unexpectedAs("nova.exception.ImageNotAuthorized"),
		http.StatusRequestEntityTooLarge: unexpectedAs("nova.exception.ImageQuotaExceeded"),
	}
	deleteFaults = faultMap{
		http.StatusNotFound:  status(http.StatusNotFound, MsgImageNotFound),
		http.StatusForbidden: status(http.StatusForbidden, MsgDeleteForbidden),
		http.StatusConflict:  unexpectedAs("nova.exception.ImageDeleteConflict"),
	}
)

// ListError maps a failed Glance list to Nova's answer (images.py index/detail).
func ListError(f *GlanceFault) *Error { return listFaults.answer(f) }

// ShowError maps a failed Glance image GET for GET /images/{id}.
func ShowError(f *GlanceFault) *Error { return showFaults.answer(f) }

// DeleteError maps a failed Glance image DELETE.
func DeleteError(f *GlanceFault) *Error { return deleteFaults.answer(f) }

// MetadataError maps a failed Glance GET or PATCH on a metadata route.
// patch tells which call failed (a 404 on the PATCH is a race: 500 in Nova).
func MetadataError(f *GlanceFault, imageID string, patch bool) *Error {
	notFound := status(http.StatusNotFound, MsgImageNotFound)
	if patch {
		notFound = unexpectedAs("nova.exception.ImageNotFound")
	}
	refused := func(f *GlanceFault) *Error {
		e := NotAuthorized(imageID)
		e.Cause = f
		return e
	}
	return faultMap{
		http.StatusNotFound:              notFound,
		http.StatusUnauthorized:          refused,
		http.StatusForbidden:             refused,
		http.StatusBadRequest:            unexpectedAs("nova.exception.ImageBadRequest"),
		http.StatusRequestEntityTooLarge: unexpectedAs("nova.exception.ImageQuotaExceeded"),
	}.answer(f)
}
