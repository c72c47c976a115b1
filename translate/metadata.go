package translate

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// MetadataKeyPattern is Nova's key pattern as Python's re reads it (the '-'
// after the range 0-9 is literal; '$' also matches before a final newline).
const MetadataKeyPattern = `^[a-zA-Z0-9-_:. ]{1,255}$`

var metadataKeyRE = regexp.MustCompile(`^[-a-zA-Z0-9_:. ]{1,255}\n?$`)

// ValidKey reports whether k matches Nova's metadata key pattern.
func ValidKey(k string) bool { return metadataKeyRE.MatchString(k) }

// MaxValueLength is the longest metadata value (in code points).
const MaxValueLength = 255

func badRequest(msg string) *Error { return &Error{Status: http.StatusBadRequest, Message: msg} }

// ParseBody parses a request body as Nova does: an empty body is None,
// anything that is not JSON is "Malformed request body".
func ParseBody(raw []byte) (any, *Error) {
	if len(raw) == 0 {
		return nil, nil
	}
	// Bytes that are not UTF-8 make a malformed body. Go's decoder would
	// turn them into U+FFFD and Glance would store that; Nova Zed answers
	// 500 (it fails decoding the body for a debug log line,
	// nova/api/openstack/wsgi.py:509, before parsing it): a deviation.
	if !utf8.Valid(raw) {
		return nil, badRequest(MsgMalformedBody)
	}
	v, err := DecodeJSON(raw)
	if err != nil {
		return nil, badRequest(MsgMalformedBody)
	}
	return v, nil
}

func fieldError(field string, instance any, msg string) *Error {
	return badRequest(fmt.Sprintf("Invalid input for field/attribute %s. Value: %s. %s", field, PyStr(instance), msg))
}

func quotedList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = pyQuote(k)
	}
	return strings.Join(q, ", ")
}

func unexpected(keys []string) string {
	verb := "was"
	if len(keys) > 1 {
		verb = "were"
	}
	return fmt.Sprintf("Additional properties are not allowed (%s %s unexpected)", quotedList(keys), verb)
}

// ValidateMetadataBody checks a parsed body against Nova's image-metadata
// schemas and returns the metadata object. item selects the single-item
// schema (PUT …/metadata/{key}: member "meta", exactly one property), else
// "metadata" (POST/PUT …/metadata). legacy is the /v2 mode, where unknown
// top-level members are dropped and bad keys are reported differently.
// Messages are jsonschema's (Draft 4) as Nova formats them.
func ValidateMetadataBody(body any, item, legacy bool) (*Object, *Error) {
	member := "metadata"
	if item {
		member = "meta"
	}
	top, ok := body.(*Object)
	if !ok {
		return nil, badRequest(PyRepr(body) + " is not of type 'object'")
	}
	// properties
	if v, present := top.Get(member); present {
		if err := validateMeta(member, v, item, legacy); err != nil {
			return nil, err
		}
	}
	// required
	v, present := top.Get(member)
	if !present {
		return nil, badRequest(pyQuote(member) + " is a required property")
	}
	// additionalProperties (stripped in legacy mode)
	if !legacy {
		var extra []string
		for _, k := range top.Keys {
			if k != member {
				extra = append(extra, k)
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			return nil, badRequest(unexpected(extra))
		}
	}
	return v.(*Object), nil
}

func validateMeta(member string, v any, item, legacy bool) *Error {
	m, ok := v.(*Object)
	if !ok {
		return fieldError(member, v, PyRepr(v)+" is not of type 'object'")
	}
	var bad []string
	for _, k := range m.Keys {
		if !ValidKey(k) {
			bad = append(bad, k)
			continue
		}
		val := m.Values[k]
		s, isStr := val.(string)
		if !isStr {
			return fieldError(k, val, PyRepr(val)+" is not of type 'string'")
		}
		if utf8.RuneCountInString(s) > MaxValueLength {
			return fieldError(k, val, PyRepr(val)+" is too long")
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		if legacy {
			return fieldError(member, m, unexpected(bad))
		}
		verb := "does"
		if len(bad) > 1 {
			verb = "do"
		}
		return fieldError(member, m, fmt.Sprintf("%s %s not match any of the regexes: %s", quotedList(bad), verb, pyQuote(MetadataKeyPattern)))
	}
	if item {
		if m.Len() < 1 {
			return fieldError(member, m, PyRepr(m)+" does not have enough properties")
		}
		if m.Len() > 1 {
			return fieldError(member, m, PyRepr(m)+" has too many properties")
		}
	}
	return nil
}

// Metadata write messages.
const (
	MsgURIMismatch    = "Request body and URI mismatch"
	MsgQuotaExceeded  = "Image metadata limit exceeded"
	MsgInvalidMetaKey = "Invalid metadata key"
)

// QuotaError is the 403 for too many metadata items.
func QuotaError() *Error { return &Error{Status: http.StatusForbidden, Message: MsgQuotaExceeded} }

// PatchOp is one JSON-patch operation for Glance.
type PatchOp struct {
	Op    string
	Path  string
	Value any // unused for "remove"
}

// Map is the operation as sent: "value" is present for every operation
// but "remove", even when it is zero (a replace of min_ram by 0).
func (p PatchOp) Map() map[string]any {
	m := map[string]any{"op": p.Op, "path": p.Path}
	if p.Op != "remove" {
		m["value"] = p.Value
	}
	return m
}

// readOnlyOrReserved are image attributes Glance refuses in a PATCH
// (403 "Attribute '<k>' is read-only/reserved."), which Nova turns into
// 403 "Not authorized for image <id>.".
var readOnlyOrReserved = map[string]bool{
	"created_at": true, "updated_at": true, "direct_url": true, "file": true, "schema": true,
	"deleted": true, "deleted_at": true,
}

// RefusedWrite reports whether writing body onto image is refused by
// Glance as Nova sends it: a read-only or reserved attribute, or a status
// different from the image's. imagegw answers Nova's 403 without the call.
func RefusedWrite(body *Object, image GlanceImage) bool {
	for _, k := range body.Keys {
		if readOnlyOrReserved[k] {
			return true
		}
		if k == "status" && body.Values[k] != image.Status() {
			return true
		}
	}
	return false
}

// NotAuthorized is the metadata routes' 403.
func NotAuthorized(imageID string) *Error {
	return &Error{Status: http.StatusForbidden, Message: fmt.Sprintf("Not authorized for image %s.", imageID)}
}

// ignoredKey reports metadata keys that cannot be written as Glance
// properties: Glance base attributes (Nova drops them silently, the base
// value wins) and kernel_id/ramdisk_id set to "none" or "" (Nova omits them).
func ignoredKey(k, v string) bool {
	if BaseProperties[k] || k == "deleted" || k == "deleted_at" {
		return true
	}
	if k == "kernel_id" || k == "ramdisk_id" {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "none", "":
			return true
		}
	}
	return false
}

// pointer escapes a key for a JSON pointer (RFC 6901). Valid keys have
// neither '~' nor '/', but be exact anyway.
func pointer(k string) string {
	return "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func setOps(body *Object) []PatchOp {
	var ops []PatchOp
	for _, k := range body.Keys {
		v := body.Values[k].(string)
		if ignoredKey(k, v) {
			continue
		}
		// "add" on an existing member replaces it (RFC 6902), so it neither
		// fails nor races when another writer added or removed the key.
		ops = append(ops, PatchOp{Op: "add", Path: pointer(k), Value: v})
	}
	return ops
}

// CountAfterMerge is the number of metadata items after merging body keys
// into current (Nova's quota count for POST and PUT item).
func CountAfterMerge(current map[string]any, body *Object) int {
	n := len(current)
	for _, k := range body.Keys {
		if _, ok := current[k]; !ok {
			n++
		}
	}
	return n
}

// MergeOps is the patch for POST …/metadata: set the body's keys, touch
// nothing else (Nova rewrites the whole property set; imagegw sends only
// what the request implies, so concurrent writers of other keys are safe).
func MergeOps(body *Object) []PatchOp { return setOps(body) }

// ReplaceOps is the patch for PUT …/metadata: set the body's keys and
// remove every current property not in the body.
func ReplaceOps(current map[string]any, body *Object) []PatchOp {
	ops := setOps(body)
	var gone []string
	for k := range current {
		if _, keep := body.Values[k]; !keep {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	for _, k := range gone {
		ops = append(ops, PatchOp{Op: "remove", Path: pointer(k)})
	}
	return ops
}

// Authorized makes sure a patch is checked by Glance's modify policy.
// Nova always sends a non-empty PATCH (it re-sends base attributes), so a
// write that changes nothing is still refused for images the caller cannot
// modify; an empty patch would be accepted by Glance. imagegw then sends a
// replace of min_ram by its current value, which changes nothing.
func Authorized(ops []PatchOp, image GlanceImage) []PatchOp {
	if len(ops) > 0 {
		return ops
	}
	return []PatchOp{{Op: "replace", Path: "/min_ram", Value: toInt(image["min_ram"])}}
}

// RemoveOps is the patch for DELETE …/metadata/{key}.
func RemoveOps(key string) []PatchOp { return []PatchOp{{Op: "remove", Path: pointer(key)}} }
