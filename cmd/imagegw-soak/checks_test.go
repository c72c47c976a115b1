package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStatusExpected(t *testing.T) {
	require.True(t, statusExpected([]int{200}, 200))
	require.True(t, statusExpected([]int{200, 404}, 404))
	require.False(t, statusExpected([]int{404}, 200))
}

func TestBodyChecks(t *testing.T) {
	tests := []struct {
		name  string
		check func(int, []byte) error
		body  string
		ok    bool
	}{
		{"itemNotFound", notFoundCheck, `{"itemNotFound": {"code": 404, "message": "Image not found."}}`, true},
		{"another fault", notFoundCheck, `{"badRequest": {}}`, false},
		{"not JSON", notFoundCheck, `nope`, false},
		{"204 empty", emptyCheck, ``, true},
		{"204 with a body", emptyCheck, `{}`, false},
		{"object", objectCheck(func(map[string]any) error { return nil }), `{"a": 1}`, true},
		{"array is no object", objectCheck(func(map[string]any) error { return nil }), `[1]`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.check(200, []byte(tc.body))
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}
