package translate

import "net/http"

// WriteKind is one of Nova's image metadata write routes
// (nova/api/openstack/compute/image_metadata.py).
type WriteKind int

const (
	// CreateMetadata is POST …/metadata: merge the body's items.
	CreateMetadata WriteKind = iota
	// UpdateAllMetadata is PUT …/metadata: the body's items replace all.
	UpdateAllMetadata
	// UpdateMetadataItem is PUT …/metadata/{key}: one item.
	UpdateMetadataItem
	// DeleteMetadataItem is DELETE …/metadata/{key}.
	DeleteMetadataItem
)

// MetadataWrite is a metadata write whose request Nova would accept, before
// the image is read.
type MetadataWrite struct {
	kind WriteKind
	key  string  // the URL's key (item routes)
	body *Object // the validated items (nil for a delete)
}

// NewMetadataWrite checks a write's request as Nova does before it reads
// the image: the JSON schema of the body (400) and, for PUT of an item,
// that the body's key is the URL's (400 "Request body and URI mismatch").
func NewMetadataWrite(kind WriteKind, key string, body any, legacy bool) (*MetadataWrite, *Error) {
	w := &MetadataWrite{kind: kind, key: key}
	if kind == DeleteMetadataItem {
		return w, nil
	}
	items, err := ValidateMetadataBody(body, kind == UpdateMetadataItem, legacy)
	if err != nil {
		return nil, err
	}
	if _, found := items.Get(key); kind == UpdateMetadataItem && !found {
		return nil, badRequest(MsgURIMismatch)
	}
	w.body = items
	return w, nil
}

// WritePlan is what a write sends Glance: one JSON patch holding only the
// operations the request implies.
type WritePlan struct {
	Ops   []PatchOp
	write *MetadataWrite
}

// Plan decides the write against the image as Glance returned it: the
// patch, or Nova's fault without a Glance call — the quota (403; quota -1
// is unlimited), keys Glance refuses (403 "Not authorized for image"), a
// missing key to delete (404 "Invalid metadata key").
func (w *MetadataWrite) Plan(imageID string, image GlanceImage, quota int) (*WritePlan, *Error) {
	current := Metadata(image)
	if w.kind == DeleteMetadataItem {
		if _, found := current[w.key]; !found {
			return nil, &Error{Status: http.StatusNotFound, Message: MsgInvalidMetaKey}
		}
		return &WritePlan{Ops: RemoveOps(w.key), write: w}, nil
	}
	count := CountAfterMerge(current, w.body)
	if w.kind == UpdateAllMetadata {
		count = w.body.Len()
	}
	if quota >= 0 && count > quota {
		return nil, QuotaError()
	}
	if RefusedWrite(w.body, image) {
		return nil, NotAuthorized(imageID)
	}
	ops := MergeOps(w.body)
	if w.kind == UpdateAllMetadata {
		ops = ReplaceOps(current, w.body)
	}
	return &WritePlan{Ops: Authorized(ops, image), write: w}, nil
}

// Answer is Nova's answer once Glance applied the patch and returned the
// image: POST shows the merged metadata, the PUTs echo their body, a
// delete has none (204).
func (p *WritePlan) Answer(patched GlanceImage) (status int, body any) {
	switch p.write.kind {
	case CreateMetadata:
		return http.StatusOK, map[string]any{"metadata": Metadata(patched)}
	case UpdateAllMetadata:
		return http.StatusOK, map[string]any{"metadata": p.write.body}
	case UpdateMetadataItem:
		return http.StatusOK, map[string]any{"meta": p.write.body}
	}
	return http.StatusNoContent, nil
}
