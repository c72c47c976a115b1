package upstream

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGlanceEndpointVersionStripping(t *testing.T) {
	for _, tt := range []struct{ endpoint, link, root string }{
		{"http://g:9292", "http://g:9292", "http://g:9292"},
		{"http://g:9292/", "http://g:9292/", "http://g:9292"},
		{"http://g:9292/v2", "http://g:9292/", "http://g:9292"},
		{"http://g:9292/v2/", "http://g:9292/", "http://g:9292"},
		{"http://g:9292/v2.1", "http://g:9292/", "http://g:9292"},
		{"https://cloud/image/v2", "https://cloud/image/", "https://cloud/image"},
		{"https://cloud/image", "https://cloud/image", "https://cloud/image"},
		{"http://g/version", "http://g/version", "http://g/version"},
		{"http://g/v", "http://g/v", "http://g/v"},
		{"http://g/v2.", "http://g/v2.", "http://g/v2."},
		{"http://g/v2.x", "http://g/v2.x", "http://g/v2.x"},
	} {
		require.Equal(t, tt.link, GlanceLinkBase(tt.endpoint), tt.endpoint)
		require.Equal(t, tt.root, glanceRoot(tt.endpoint), tt.endpoint)
	}
}
