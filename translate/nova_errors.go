package translate

import "net/http"

// NovaFailure is how a request passed through to nova-api failed before
// Nova answered it.
type NovaFailure int

const (
	// NovaRefused: no connection to Nova (down, not listening).
	NovaRefused NovaFailure = iota
	// NovaTimeout: no answer within upstream_timeout (frozen, overloaded).
	NovaTimeout
	// NovaBroken: the connection failed or the answer was not HTTP.
	NovaBroken
)

// webob's explanations of these statuses (webob/exc.py), which Nova's
// fault wrapper uses as messages.
const (
	MsgUnavailable    = "The server is currently unavailable. Please try again at a later time."
	MsgGatewayTimeout = "The gateway has timed out."
	MsgBadGateway     = "Bad gateway."
)

// NoRegion is the 404 for a path under no region's prefix (the regions
// key): Nova's fault, saying why, never another region's answer.
func NoRegion(path string) *Error {
	return Errorf(http.StatusNotFound, "No region of this compute endpoint is served under %s.", path)
}

// NovaUnavailable is the answer to a pass-through Nova could not give:
// what the load balancer in front of nova-api answers (HAProxy: 503 with
// no server up, 504 when the server does not answer in time, 502 for a
// broken answer), as a Nova fault body, so clients parse it like any
// other compute error.
func NovaUnavailable(f NovaFailure, cause error) *Error {
	switch f {
	case NovaRefused:
		return &Error{Status: http.StatusServiceUnavailable, Message: MsgUnavailable, Cause: cause}
	case NovaTimeout:
		return &Error{Status: http.StatusGatewayTimeout, Message: MsgGatewayTimeout, Cause: cause}
	}
	return &Error{Status: http.StatusBadGateway, Message: MsgBadGateway, Cause: cause}
}
