package proxy

import (
	"context"

	"github.com/imagegw/imagegw/translate"
)

// The image metadata routes (nova image_metadata.py). Every route first
// reads the image (404 invisible, 403 refused). A write is: validate
// (translate) → get → plan (translate: the patch or Nova's fault) → patch
// → answer, one at a time per image.

// metadataOf reads the image a metadata route works on.
func (s *Server) metadataOf(ctx context.Context, token, glanceURL, imageID string) (translate.GlanceImage, error) {
	g, err := s.glance.Get(ctx, token, glanceURL, imageID)
	if err != nil {
		return nil, asFault(err, func(f *translate.GlanceFault) *translate.Error {
			return translate.MetadataError(f, imageID, false)
		})
	}
	return g, nil
}

// metadataIndex serves GET /images/{id}/metadata.
func (s *Server) metadataIndex(f *fill) (any, error) {
	g, err := s.metadataOf(f.ctx, f.token, f.glanceURL, f.imageID)
	if err != nil {
		return nil, err
	}
	f.borrowed = translate.Borrowed(g, f.project)
	return map[string]any{"metadata": translate.Metadata(g)}, nil
}

// metadataShow serves GET /images/{id}/metadata/{key}.
func (s *Server) metadataShow(f *fill) (any, error) {
	g, err := s.metadataOf(f.ctx, f.token, f.glanceURL, f.imageID)
	if err != nil {
		return nil, err
	}
	f.borrowed = translate.Borrowed(g, f.project)
	v, found := translate.Metadata(g)[f.key]
	if !found {
		return nil, translate.NotFound()
	}
	return map[string]any{"meta": map[string]any{f.key: v}}, nil
}

// metadataWrite serves POST and PUT …/metadata, PUT and DELETE
// …/metadata/{key}. The image's write lock is held from the read to the
// PATCH, so the quota check and the patch see no concurrent write through
// this imagegw; what the write may have changed is made stale before the
// answer leaves.
func (s *Server) metadataWrite(kind translate.WriteKind) handler {
	return func(rq *request) (response, error) {
		w, verr := translate.NewMetadataWrite(kind, rq.key, rq.body, rq.legacy)
		if verr != nil {
			return response{}, verr
		}
		unlock, lerr := s.lockImage(rq)
		if lerr != nil {
			return response{}, lerr
		}
		defer unlock()
		g, err := s.metadataOf(rq.context(), rq.token, rq.glanceURL, rq.imageID)
		if err != nil {
			return response{}, err
		}
		plan, perr := w.Plan(rq.imageID, g, s.cfg.MetadataItems)
		if perr != nil {
			return response{}, perr
		}
		patched, err := s.glance.Patch(rq.context(), rq.token, rq.glanceURL, rq.imageID, plan.Ops)
		if mayHaveChanged(err) {
			s.invalidate(rq, false)
		}
		if err != nil {
			return response{}, asFault(err, func(f *translate.GlanceFault) *translate.Error {
				return translate.MetadataError(f, rq.imageID, true)
			})
		}
		status, answer := plan.Answer(patched)
		return jsonResponse(rq, status, answer)
	}
}
