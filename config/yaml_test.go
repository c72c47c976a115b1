package config

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// A Config marshals as a file that reads back as the same Config, without
// its service credentials.
func TestMarshalReadsBack(t *testing.T) {
	c := Defaults()
	c.BrownoutWindows = []string{"01:00-02:00"}
	c.Sunset = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	c.DeprecationHeaders = true
	require.NoError(t, c.Resolve())
	c.Service.Password = "hunter2"
	out, err := yaml.Marshal(c)
	require.NoError(t, err)
	require.NotContains(t, string(out), "hunter2")

	got, err := Load([]string{"--config", writeFile(t, string(out))}, env(nil), io.Discard)
	require.NoError(t, err)
	c.Service = ServiceAuth{}
	require.Equal(t, c, got)
}
