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

// ListError maps a failed Glance list to Nova's answer (images.py index/detail).
func ListError(f *GlanceFault) *Error {
	if isConnectionFailure(f) {
		return transportError(f)
	}
	text := "HTTP " + GlanceDetails(f.ContentType, f.Body)
	switch f.Status {
	case http.StatusBadRequest:
		return &Error{Status: http.StatusBadRequest, Message: text, Cause: f}
	case http.StatusUnauthorized, http.StatusForbidden:
		return &Error{Status: http.StatusForbidden, Message: text, Cause: f}
	case http.StatusNotFound:
		return Unexpected("nova.exception.NotFound", f)
	}
	return Unexpected(glanceclientClass(f.Status), f)
}

// ShowError maps a failed Glance image GET for GET /images/{id}.
func ShowError(f *GlanceFault) *Error {
	if isConnectionFailure(f) {
		return transportError(f)
	}
	switch f.Status {
	case http.StatusNotFound:
		return &Error{Status: http.StatusNotFound, Message: MsgImageNotFound, Cause: f}
	case http.StatusBadRequest:
		return Unexpected("nova.exception.ImageBadRequest", f)
	case http.StatusUnauthorized, http.StatusForbidden:
		return Unexpected("nova.exception.ImageNotAuthorized", f)
	case http.StatusRequestEntityTooLarge:
		return Unexpected("nova.exception.ImageQuotaExceeded", f)
	}
	return Unexpected(glanceclientClass(f.Status), f)
}

// DeleteError maps a failed Glance image DELETE.
func DeleteError(f *GlanceFault) *Error {
	if isConnectionFailure(f) {
		return transportError(f)
	}
	switch f.Status {
	case http.StatusNotFound:
		return &Error{Status: http.StatusNotFound, Message: MsgImageNotFound, Cause: f}
	case http.StatusForbidden:
		return &Error{Status: http.StatusForbidden, Message: MsgDeleteForbidden, Cause: f}
	case http.StatusConflict:
		return Unexpected("nova.exception.ImageDeleteConflict", f)
	}
	return Unexpected(glanceclientClass(f.Status), f)
}

// MetadataError maps a failed Glance GET or PATCH on a metadata route.
// patch tells which call failed (a 404 on the PATCH is a race: 500 in Nova).
func MetadataError(f *GlanceFault, imageID string, patch bool) *Error {
	if isConnectionFailure(f) {
		return transportError(f)
	}
	switch f.Status {
	case http.StatusNotFound:
		if patch {
			return Unexpected("nova.exception.ImageNotFound", f)
		}
		return &Error{Status: http.StatusNotFound, Message: MsgImageNotFound, Cause: f}
	case http.StatusUnauthorized, http.StatusForbidden:
		e := NotAuthorized(imageID)
		e.Cause = f
		return e
	case http.StatusBadRequest:
		return Unexpected("nova.exception.ImageBadRequest", f)
	case http.StatusRequestEntityTooLarge:
		return Unexpected("nova.exception.ImageQuotaExceeded", f)
	}
	return Unexpected(glanceclientClass(f.Status), f)
}
