package translate

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// GlanceImage is one image as Glance v2 returns it (GET /v2/images/{id} or
// an element of a list), decoded into plain JSON values.
type GlanceImage map[string]any

// ID returns the image id ("" if absent).
func (g GlanceImage) ID() string { s, _ := g["id"].(string); return s }

// Owner returns the owning project id.
func (g GlanceImage) Owner() string { s, _ := g["owner"].(string); return s }

// Status returns Glance's status.
func (g GlanceImage) Status() string { s, _ := g["status"].(string); return s }

// BaseProperties are the keys of Glance 25's image schema that are base
// properties (no "is_base": false). Nova treats every other key of a Glance
// image as metadata ("properties").
var BaseProperties = map[string]bool{
	"checksum": true, "container_format": true, "created_at": true,
	"direct_url": true, "disk_format": true, "file": true, "id": true,
	"locations": true, "min_disk": true, "min_ram": true, "name": true,
	"os_hash_algo": true, "os_hash_value": true, "os_hidden": true,
	"owner": true, "protected": true, "schema": true, "self": true,
	"size": true, "status": true, "stores": true, "tags": true,
	"updated_at": true, "virtual_size": true, "visibility": true,
}

// omitted are keys Nova drops before classifying (glance.py
// _extract_attributes_v2 omit_attrs plus the location attributes).
var omitted = map[string]bool{
	"self": true, "schema": true, "protected": true, "virtual_size": true,
	"file": true, "tags": true, "direct_url": true, "locations": true,
}

// jsonProperties are property values Nova JSON-decodes when they are strings.
var jsonProperties = map[string]bool{"block_device_mapping": true, "mappings": true}

// IsMetadataKey reports whether a Glance image key is a Nova metadata key.
func IsMetadataKey(k string) bool { return !BaseProperties[k] && !omitted[k] }

// Metadata returns Nova's view of an image's properties: every non-base
// key, with block_device_mapping/mappings JSON-decoded. (Nova answers 500
// when those hold invalid JSON; imagegw returns the string unchanged.)
func Metadata(g GlanceImage) map[string]any {
	md := make(map[string]any, len(g))
	for k, v := range g {
		if !IsMetadataKey(k) {
			continue
		}
		if s, ok := v.(string); ok && jsonProperties[k] {
			var decoded any
			if json.Unmarshal([]byte(s), &decoded) == nil {
				v = decoded
			}
		}
		md[k] = v
	}
	return md
}

// Link is a Nova link object; Type is only set on the alternate link.
type Link struct {
	Rel  string `json:"rel"`
	Type string `json:"type,omitempty"`
	Href string `json:"href"`
}

// ServerRef is the "server" block of a snapshot image.
type ServerRef struct {
	ID    string `json:"id"`
	Links []Link `json:"links"`
}

// ImageDetail is Nova's detailed image view, keys in Nova's order.
type ImageDetail struct {
	ID         string         `json:"id"`
	Name       *string        `json:"name"`
	MinRAM     int64          `json:"minRam"`
	MinDisk    int64          `json:"minDisk"`
	Metadata   map[string]any `json:"metadata"`
	Created    *string        `json:"created"`
	Updated    *string        `json:"updated"`
	Status     string         `json:"status"`
	Progress   int            `json:"progress"`
	Size       *int64         `json:"OS-EXT-IMG-SIZE:size"`
	Links      []Link         `json:"links"`
	Server     *ServerRef     `json:"server,omitempty"`
	DiskConfig string         `json:"OS-DCF:diskConfig,omitempty"`
}

// ImageBasic is Nova's index view.
type ImageBasic struct {
	ID    string  `json:"id"`
	Name  *string `json:"name"`
	Links []Link  `json:"links"`
}

// Links builds the URLs of Nova's views. App is the application URL
// (scheme://host[:port][prefix]/v2.1 or …/v2), Project the project id to
// place in links ("" unless it occurs in the request URL), Glance the image
// endpoint with its version removed.
type Links struct {
	App     string
	Project string
	Glance  string
}

// Root is App with its trailing version segment removed (bookmark base).
func (l Links) Root() string {
	i := strings.LastIndexByte(l.App, '/')
	if i < 0 {
		return l.App
	}
	return l.App[:i]
}

// urlJoin is nova.api.openstack.common.url_join: parts stripped of '/',
// empty parts skipped.
func urlJoin(parts ...string) string {
	var b strings.Builder
	first := true
	for _, p := range parts {
		if p == "" {
			continue
		}
		if !first {
			b.WriteByte('/')
		}
		b.WriteString(strings.Trim(p, "/"))
		first = false
	}
	return b.String()
}

// Self is the self link of a resource in a collection.
func (l Links) Self(collection, id string) string {
	return urlJoin(l.App, l.Project, collection, id)
}

// Bookmark is the version-less link of a resource.
func (l Links) Bookmark(collection, id string) string {
	return urlJoin(l.Root(), l.Project, collection, id)
}

// Collection is the URL of a collection (for the next link).
func (l Links) Collection(collection string) string {
	return urlJoin(l.App, l.Project, collection)
}

// Image returns the self, bookmark and alternate links of an image.
func (l Links) Image(id string) []Link {
	return []Link{
		{Rel: "self", Href: l.Self("images", id)},
		{Rel: "bookmark", Href: l.Bookmark("images", id)},
		// Nova joins with '/' without stripping slashes.
		{Rel: "alternate", Type: "application/vnd.openstack.image", Href: l.Glance + "/images/" + id},
	}
}

// StatusProgress maps a Glance status to Nova's status and progress.
func StatusProgress(glance string) (string, int) {
	switch glance {
	case "active":
		return "ACTIVE", 100
	case "queued":
		return "SAVING", 25
	case "saving":
		return "SAVING", 50
	case "deleted", "pending_delete":
		return "DELETED", 0
	case "killed":
		return "ERROR", 0
	}
	return "UNKNOWN", 0
}

// BoolFromString is oslo strutils.bool_from_string (non-strict, default false).
func BoolFromString(v any) bool {
	var s string
	switch t := v.(type) {
	case bool:
		return t
	case string:
		s = t
	default:
		s = fmt.Sprint(t)
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true
	}
	return false
}

// isoTime formats a Glance timestamp as Nova's utils.isotime: seconds
// precision, "Z" for UTC. Unparseable values are returned unchanged.
func isoTime(v any) *string {
	s, ok := v.(string)
	if !ok || s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999999", s)
		if err != nil {
			return &s
		}
	}
	var out string
	if _, off := t.Zone(); off == 0 {
		out = t.Format("2006-01-02T15:04:05") + "Z"
	} else {
		out = t.Format("2006-01-02T15:04:05-07:00")
	}
	return &out
}

func optString(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

func toInt(v any) int64 {
	switch t := v.(type) {
	case float64:
		return int64(t)
	case int64:
		return t
	case int:
		return int64(t)
	case json.Number:
		n, _ := t.Int64()
		return n
	}
	return 0
}

// Detail builds Nova's detailed view of a Glance image.
func Detail(g GlanceImage, l Links) ImageDetail {
	id := g.ID()
	md := Metadata(g)
	status, progress := StatusProgress(g.Status())
	d := ImageDetail{
		ID:       id,
		Name:     optString(g["name"]),
		MinRAM:   toInt(g["min_ram"]),
		MinDisk:  toInt(g["min_disk"]),
		Metadata: md,
		Created:  isoTime(g["created_at"]),
		Updated:  isoTime(g["updated_at"]),
		Status:   status,
		Progress: progress,
		Links:    l.Image(id),
	}
	if v, ok := g["size"]; ok {
		n := toInt(v) // null -> 0
		d.Size = &n
	}
	if iu, ok := md["instance_uuid"]; ok && iu != nil {
		sid := fmt.Sprint(iu)
		d.Server = &ServerRef{ID: sid, Links: []Link{
			{Rel: "self", Href: l.Self("servers", sid)},
			{Rel: "bookmark", Href: l.Bookmark("servers", sid)},
		}}
	}
	if adc, ok := md["auto_disk_config"]; ok && adc != nil {
		if BoolFromString(adc) {
			d.DiskConfig = "AUTO"
		} else {
			d.DiskConfig = "MANUAL"
		}
	}
	return d
}

// Basic builds Nova's index view of a Glance image.
func Basic(g GlanceImage, l Links) ImageBasic {
	id := g.ID()
	return ImageBasic{ID: id, Name: optString(g["name"]), Links: l.Image(id)}
}

// CanonicalImageID is the image Glance acts on for an id: Glance's router
// (Python routes, whose pattern ends in "$", which also matches before a
// final newline) reads /v2/images/<id>\n as <id>, so GET, PATCH and DELETE
// of "<id>\n" act on <id>. imagegw caches and locks by this id, so two
// spellings of one image share one cache scope and one write lock.
func CanonicalImageID(id string) string { return strings.TrimSuffix(id, "\n") }

// Borrowed tells whether project sees g through another project's sharing
// (a member of a shared image, or a community image): the owner can take
// that access back at any time, so an answer holding it must not outlive
// the revocation (issue 16, "access first").
func Borrowed(g GlanceImage, project string) bool {
	switch g["visibility"] {
	case "shared", "community":
		return g.Owner() != project
	}
	return false
}
