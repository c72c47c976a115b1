package proxy

import (
	"errors"

	"github.com/imagegw/imagegw/translate"
)

// asFault maps an upstream error with the given mapping; anything that is
// not a Glance fault (a cancelled request) is an unexpected error.
func asFault(err error, mapping func(*translate.GlanceFault) *translate.Error) error {
	var gf *translate.GlanceFault
	if errors.As(err, &gf) {
		return mapping(gf)
	}
	return translate.Unexpected("Exception", err)
}

type imageList struct {
	Images      any              `json:"images"`
	ImagesLinks []translate.Link `json:"images_links,omitempty"`
}

// listImages serves GET /images and /images/detail.
func (s *Server) listImages(detail bool) view {
	collection := "images"
	if detail {
		collection = "images/detail"
	}
	return func(f *fill) (any, error) {
		q, qerr := translate.ParseList(f.query)
		if qerr != nil {
			return nil, qerr
		}
		imgs, err := s.glance.List(f.ctx, f.token, f.glanceURL, q.GlanceQuery(), q.Limit)
		if err != nil {
			return nil, asFault(err, translate.ListError)
		}
		out := imageList{Images: listViews(imgs, f.links, detail)}
		ids := make([]string, len(imgs))
		for i, g := range imgs {
			ids[i] = g.ID()
			f.borrowed = f.borrowed || translate.Borrowed(g, f.project)
		}
		f.scope = s.cache.writes.listScope(f.glanceURL, q.Marker, ids, q.MetadataSensitive())
		if n := len(imgs); n > 0 {
			if href := q.NextLink(f.links.Collection(collection), n, imgs[n-1].ID()); href != "" {
				out.ImagesLinks = []translate.Link{{Rel: "next", Href: href}}
			}
		}
		return out, nil
	}
}

// listViews are Nova's list entries: detailed or basic.
func listViews(imgs []translate.GlanceImage, links translate.Links, detail bool) any {
	if detail {
		views := make([]translate.ImageDetail, len(imgs))
		for i, g := range imgs {
			views[i] = translate.Detail(g, links)
		}
		return views
	}
	views := make([]translate.ImageBasic, len(imgs))
	for i, g := range imgs {
		views[i] = translate.Basic(g, links)
	}
	return views
}

// showImage serves GET /images/{id}.
func (s *Server) showImage(f *fill) (any, error) {
	g, err := s.glance.Get(f.ctx, f.token, f.glanceURL, f.imageID)
	if err != nil {
		return nil, asFault(err, translate.ShowError)
	}
	f.borrowed = translate.Borrowed(g, f.project)
	return map[string]translate.ImageDetail{"image": translate.Detail(g, f.links)}, nil
}

// deleteImage serves DELETE /images/{id}.
func (s *Server) deleteImage(rq *request) (response, error) {
	if err := s.refuseUncoordinated(); err != nil {
		return response{}, err
	}
	err := s.glance.Delete(rq.context(), rq.token, rq.glanceURL, rq.imageID)
	if mayHaveChanged(err) {
		s.invalidate(rq, true)
	}
	if err != nil {
		return response{}, asFault(err, translate.DeleteError)
	}
	return noContentResponse, nil
}

// invalidate makes everything cached about the call's image, and the
// lists it can change, stale before the write's response is sent.
func (s *Server) invalidate(rq *request, isDelete bool) {
	s.cache.writes.record(rq.glanceURL, rq.image, isDelete)
	s.publishWrite(rq, isDelete)
}

// mayHaveChanged tells whether a Glance write that returned err may have
// changed the image: it did unless Glance refused it (4xx). A write that
// timed out or failed in transport may have been applied.
func mayHaveChanged(err error) bool {
	var gf *translate.GlanceFault
	return !errors.As(err, &gf) || gf.Status < 400 || gf.Status >= 500
}
