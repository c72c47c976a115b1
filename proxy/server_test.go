package proxy

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/config"
)

// New refuses a Config that does not Check: a zero Config (whose parsed
// versions are empty, so every request was a 406) or one changed without
// Resolve.
func TestNewRefusesAnUncheckedConfig(t *testing.T) {
	_, err := New(Deps{Config: config.Config{}})
	require.Error(t, err)
	changed := config.Defaults()
	changed.ImagesMaxVersion = "2.10"
	_, err = New(Deps{Config: changed})
	require.ErrorContains(t, err, "images_max_version")
	require.NoError(t, changed.Resolve())
	_, err = New(Deps{Config: changed})
	require.NoError(t, err)
}
