package proxy

import (
	"net/http"

	"github.com/imagegw/imagegw/translate"
)

// The image metadata routes (nova image_metadata.py). Every route first
// reads the image (404 invisible, 403 refused); writes then send Glance one
// PATCH holding only the operations the request implies.

func (s *Server) getForMetadata(k *call) (translate.GlanceImage, map[string]any, error) {
	imageID := k.imageID
	g, err := s.glance.Get(k.ctx(), k.token, k.glanceURL, imageID)
	if err != nil {
		return nil, nil, asFault(err, func(f *translate.GlanceFault) *translate.Error {
			return translate.MetadataError(f, imageID, false)
		})
	}
	return g, translate.Metadata(g), nil
}

func (s *Server) patch(k *call, current translate.GlanceImage, ops []translate.PatchOp) (translate.GlanceImage, error) {
	imageID := k.imageID
	g, err := s.glance.Patch(k.ctx(), k.token, k.glanceURL, imageID, translate.Authorized(ops, current))
	k.wrote = mayHaveChanged(err)
	if err != nil {
		return nil, asFault(err, func(f *translate.GlanceFault) *translate.Error {
			return translate.MetadataError(f, imageID, true)
		})
	}
	return g, nil
}

// writeLocked runs a metadata write holding the image's write lock, so the
// read, the quota check and the PATCH see no concurrent write through this
// imagegw.
func (s *Server) writeLocked(h func(*call) error) func(*call) error {
	return func(k *call) error {
		defer s.writes.Lock(imageScope(k.glanceURL, k.image))()
		err := h(k)
		if k.wrote { // before the response leaves (it is written on return)
			s.invalidate(k, false)
		}
		return err
	}
}

func (s *Server) overQuota(n int) bool {
	return s.cfg.MetadataItems >= 0 && n > s.cfg.MetadataItems
}

// metadataIndex serves GET /images/{id}/metadata.
func (s *Server) metadataIndex(k *call) (any, error) {
	_, md, err := s.getForMetadata(k)
	if err != nil {
		return nil, err
	}
	return map[string]any{"metadata": md}, nil
}

// metadataShow serves GET /images/{id}/metadata/{key}.
func (s *Server) metadataShow(k *call) (any, error) {
	_, md, err := s.getForMetadata(k)
	if err != nil {
		return nil, err
	}
	key := k.key
	v, found := md[key]
	if !found {
		return nil, translate.NotFound()
	}
	return map[string]any{"meta": map[string]any{key: v}}, nil
}

// metadataCreate serves POST /images/{id}/metadata (merge).
func (s *Server) metadataCreate(k *call) error {
	body, verr := translate.ValidateMetadataBody(k.body, false, k.legacy)
	if verr != nil {
		return verr
	}
	g, md, err := s.getForMetadata(k)
	if err != nil {
		return err
	}
	if n := translate.CountAfterMerge(md, body); n > 0 && s.overQuota(n) {
		return translate.QuotaError()
	}
	if translate.RefusedWrite(body, g) {
		return translate.NotAuthorized(k.imageID)
	}
	if g, err = s.patch(k, g, translate.MergeOps(body)); err != nil {
		return err
	}
	return ok(k.c, map[string]any{"metadata": translate.Metadata(g)})
}

// metadataUpdateAll serves PUT /images/{id}/metadata (replace; echoes the body).
func (s *Server) metadataUpdateAll(k *call) error {
	body, verr := translate.ValidateMetadataBody(k.body, false, k.legacy)
	if verr != nil {
		return verr
	}
	g, md, err := s.getForMetadata(k)
	if err != nil {
		return err
	}
	if s.overQuota(body.Len()) {
		return translate.QuotaError()
	}
	if translate.RefusedWrite(body, g) {
		return translate.NotAuthorized(k.imageID)
	}
	if _, err := s.patch(k, g, translate.ReplaceOps(md, body)); err != nil {
		return err
	}
	return ok(k.c, map[string]any{"metadata": body})
}

// metadataUpdateItem serves PUT /images/{id}/metadata/{key} (echoes the body).
func (s *Server) metadataUpdateItem(k *call) error {
	body, verr := translate.ValidateMetadataBody(k.body, true, k.legacy)
	if verr != nil {
		return verr
	}
	key := k.key
	if _, found := body.Get(key); !found {
		return &translate.Error{Status: http.StatusBadRequest, Message: translate.MsgURIMismatch}
	}
	g, md, err := s.getForMetadata(k)
	if err != nil {
		return err
	}
	if s.overQuota(translate.CountAfterMerge(md, body)) {
		return translate.QuotaError()
	}
	if translate.RefusedWrite(body, g) {
		return translate.NotAuthorized(k.imageID)
	}
	if _, err := s.patch(k, g, translate.MergeOps(body)); err != nil {
		return err
	}
	return ok(k.c, map[string]any{"meta": body})
}

// metadataDelete serves DELETE /images/{id}/metadata/{key}.
func (s *Server) metadataDelete(k *call) error {
	g, md, err := s.getForMetadata(k)
	if err != nil {
		return err
	}
	key := k.key
	if _, found := md[key]; !found {
		return &translate.Error{Status: http.StatusNotFound, Message: translate.MsgInvalidMetaKey}
	}
	if _, err := s.patch(k, g, translate.RemoveOps(key)); err != nil {
		return err
	}
	return noContent(k.c)
}
