package translate

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNovaUnavailable(t *testing.T) {
	cause := errors.New("dial tcp: connection refused")
	for _, tt := range []struct {
		f             NovaFailure
		status        int
		name, message string
	}{
		{NovaRefused, http.StatusServiceUnavailable, "serviceUnavailable", MsgUnavailable},
		{NovaTimeout, http.StatusGatewayTimeout, "computeFault", "The gateway has timed out."},
		{NovaBroken, http.StatusBadGateway, "computeFault", "Bad gateway."},
	} {
		e := NovaUnavailable(tt.f, cause)
		require.Equal(t, tt.status, e.Status)
		require.Equal(t, tt.message, e.Message)
		require.Equal(t, tt.name, FaultName(e.Status))
		require.ErrorIs(t, e, cause, "the cause is kept for the log")
	}
}
