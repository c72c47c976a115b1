// Package translate maps between Nova's image proxy API and Glance Image v2:
// list filters and pagination, the Nova image views, metadata and error
// mapping. Everything here is a pure function over plain values.
package translate

import (
	"fmt"
	"net/http"
)

// Error is the one error type that carries a Nova fault: the HTTP status
// and the message. The proxy turns it into Nova's fault body
// {"<name>": {"code": N, "message": "..."}} in one place.
type Error struct {
	Status  int
	Message string
	// Cause is the underlying error, for logs only; never shown to clients.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Cause)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.Cause }

// FaultName is the top-level key of Nova's fault body for a status
// (nova/api/openstack/wsgi.py Fault._fault_names).
func FaultName(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "badRequest"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "itemNotFound"
	case http.StatusMethodNotAllowed:
		return "badMethod"
	case http.StatusConflict:
		return "conflictingRequest"
	case http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
		return "overLimit"
	case http.StatusUnsupportedMediaType:
		return "badMediaType"
	case http.StatusNotImplemented:
		return "notImplemented"
	case http.StatusServiceUnavailable:
		return "serviceUnavailable"
	}
	return "computeFault"
}

// Errorf builds an *Error.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// Messages Nova emits on these routes.
const (
	MsgNotFound         = "The resource could not be found."
	MsgImageNotFound    = "Image not found."
	MsgDeleteForbidden  = "You are not allowed to delete the image."
	MsgMalformedBody    = "Malformed request body"
	MsgUnsupportedMedia = "Unsupported Content-Type"
	// MsgRequestTimeout is webob's HTTPRequestTimeout explanation.
	MsgRequestTimeout = "The server has waited too long for the request to be sent by the client."
	MsgUnexpected     = "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class '%s'>"
)

// NotFound is Nova's generic 404 (also used above a route's microversion range).
func NotFound() *Error { return &Error{Status: http.StatusNotFound, Message: MsgNotFound} }

// ImageNotFound is 404 "Image not found.".
func ImageNotFound() *Error {
	return &Error{Status: http.StatusNotFound, Message: MsgImageNotFound}
}

// Unexpected is Nova's 500 for an unexpected exception of the given
// (Python) class name.
func Unexpected(class string, cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: fmt.Sprintf(MsgUnexpected, class), Cause: cause}
}

// ProjectMismatch is the 400 for a URL project id that is not the token's.
func ProjectMismatch(url, token string) *Error {
	return Errorf(http.StatusBadRequest, "Malformed request URL: URL's project_id '%s' doesn't match Context's project_id '%s'", url, token)
}
