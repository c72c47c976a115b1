package probe

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/imagegw/imagegw/translate"
)

// Faults, writes and links of the contract against the recording.
func TestContractMatchesGoldenFaults(t *testing.T) {
	g := loadGolden(t)
	notFound := answerWith(404, Fault(404, translate.MsgImageNotFound))
	metaKey := answerWith(404, Fault(404, translate.MsgInvalidMetaKey))
	shared := g.image(t, "metadata.create/v2.1/mv-2.38/alt/ref-shared-to-alt-accepted/shared-not-owned", "ref-shared-to-alt-accepted")
	cases := []struct {
		name    string
		removed bool // a metadata route (removed at 2.39), else images (2.36)
		ok      func() (int, any)
	}{
		{"images.show/v2.1/mv-2.35/demo/zero-uuid", false, notFound},
		{"images.show/v2.1/mv-2.36/demo/zero-uuid", false, notFound},
		{"images.show/v2.1/mv-2.35/demo/ref-alt-private", false, notFound},
		{"images.delete/v2.1/mv-2.35/demo/invisible", false, notFound},
		{"images.delete/v2.1/mv-2.35/demo/ref-del-compute-2.35", false, answerWith(http.StatusNoContent, nil)},
		{"images.delete/v2.1/mv-2.36/demo", false, notFound},
		{"images.delete/v2.1/mv-2.35/alt/shared-to-alt-not-owned", false, answerWith(403, Fault(403, translate.MsgDeleteForbidden))},
		{"images.list/abs/mv-2.35/demo/project=alt", false,
			answerWith(400, Fault(400, translate.ProjectMismatch("{project:alt}", "{project:demo}").Message))},
		{"metadata.show/v2.1/mv-2.38/demo/ref-custom-props/no_such", true, answerWith(404, Fault(404, translate.MsgNotFound))},
		{"metadata.delete/v2.1/mv-2.38/demo/no_such", true, metaKey},
		{"metadata.delete/v2.1/mv-2.38/demo/ref-meta-delete-item/existing", true, answerWith(http.StatusNoContent, nil)},
		{"metadata.update/v2.1/mv-2.38/demo/uri-mismatch", true, answerWith(400, Fault(400, translate.MsgURIMismatch))},
		{"metadata.create/v2.1/mv-2.38/demo/empty-object", true, answerWith(400, Fault(400, MsgMetadataRequired))},
		{"metadata.create/v2.1/mv-2.38/alt/ref-shared-to-alt-accepted/shared-not-owned", true,
			answerWith(403, Fault(403, translate.NotAuthorized(shared.ID).Message))},
		{"metadata.show/v2.1/mv-2.38/demo/ref-custom-props/custom_key", true,
			answerWith(200, map[string]any{"meta": map[string]string{"custom_key": "custom value"}})},
		// writes answer with what they wrote (the item, or the whole set)
		{"metadata.update/v2.1/mv-2.38/demo/ref-meta-put-item/dots-colons", true,
			answerWith(200, map[string]any{"meta": map[string]string{"k.dots:colons": "v"}})},
		{"metadata.update_all/v2.1/mv-2.38/demo/ref-meta-put-all/text-plain", true,
			answerWith(200, map[string]any{"metadata": map[string]string{"plain": "1"}})},
		{"metadata.update_all/v2.1/mv-2.38/demo/ref-meta-put-all/empty", true,
			answerWith(200, map[string]any{"metadata": map[string]string{}})},
	}
	for _, c := range cases {
		removed := imagesRemoved
		if c.removed {
			removed = metadataRemoved
		}
		requireSame(t, g, c.name, Expect(g.headers(c.name), recordedRange, removed, c.ok))
	}
	requireSame(t, g, "images.show/v2.1/mv-2.35/anon", Unauthenticated())
}

// Every recorded next link of /v2.1/images and /v2.1/images/detail is
// the request's query, sorted, with the last image's id as the marker.
func TestContractMatchesGoldenNextLinks(t *testing.T) {
	g := loadGolden(t)
	checked := 0
	for name, gc := range g.cases {
		body, ok := g.resp[name].Body.(map[string]any)
		links, has := body["images_links"].([]any)
		tmpl := gc.Request.PathTemplate
		if !ok || !has || strings.Contains(tmpl, "{project") ||
			!(strings.HasPrefix(tmpl, "/v2.1/images?") || strings.HasPrefix(tmpl, "/v2.1/images/detail?")) {
			continue
		}
		path, raw, _ := strings.Cut(gc.Request.Path, "?")
		if path != "/v2.1/images" && path != "/v2.1/images/detail" {
			continue
		}
		var q [][2]string
		for _, kv := range strings.Split(raw, "&") {
			k, v, _ := strings.Cut(kv, "=")
			k, _ = url.QueryUnescape(k)
			v, _ = url.QueryUnescape(v)
			q = append(q, [2]string{k, v})
		}
		images := body["images"].([]any)
		last := images[len(images)-1].(map[string]any)["id"].(string)
		href := links[0].(map[string]any)["href"]
		coll := strings.TrimPrefix(path, "/v2.1/")
		require.Equal(t, NextLink(V21, coll, q, last), href, name)
		checked++
	}
	require.Greater(t, checked, 20, "recorded next links checked")
}
