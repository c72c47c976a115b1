package translate

import (
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Pair is one query parameter, percent-decoded, in request order.
type Pair struct{ Key, Value string }

// ParseQuery splits a raw query string into decoded pairs in order, like
// Python's parse_qsl(keep_blank_values=True) used by webob: '&'-separated,
// '+' is a space, a piece without '=' has an empty value, undecodable
// escapes are kept literally.
func ParseQuery(raw string) []Pair {
	if raw == "" {
		return nil
	}
	pieces := strings.Split(raw, "&")
	out := make([]Pair, 0, len(pieces))
	for _, p := range pieces {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		out = append(out, Pair{Key: unquotePlus(k), Value: unquotePlus(v)})
	}
	return out
}

func unquotePlus(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	// Python's unquote leaves invalid escapes as they are.
	s = strings.ReplaceAll(s, "+", " ")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// last returns the last value of key and whether it occurs.
func last(pairs []Pair, key string) (string, bool) {
	for i := len(pairs) - 1; i >= 0; i-- {
		if pairs[i].Key == key {
			return pairs[i].Value, true
		}
	}
	return "", false
}

// PyInt parses s as Python's int() does for a str: surrounding white space,
// an optional sign, decimal digits from any script and single '_' between
// digits. Values beyond int64 saturate (Nova accepts arbitrarily large
// integers; every use here only compares them).
func PyInt(s string) (int64, bool) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var n int64
	overflow := false
	prevDigit := false
	for _, r := range s {
		if r == '_' {
			if !prevDigit {
				return 0, false
			}
			prevDigit = false
			continue
		}
		if !unicode.Is(unicode.Nd, r) {
			return 0, false
		}
		d := digitValue(r)
		if !overflow {
			if n > (math.MaxInt64-int64(d))/10 {
				overflow = true
			} else {
				n = n*10 + int64(d)
			}
		}
		prevDigit = true
	}
	if !prevDigit { // trailing '_'
		return 0, false
	}
	if overflow {
		n = math.MaxInt64
	}
	if neg {
		n = -n
	}
	return n, true
}

// digitValue returns the decimal value of a Unicode Nd rune: Nd digits come
// in contiguous runs of ten starting at a code point whose value is 0.
func digitValue(r rune) int {
	if r <= '9' {
		return int(r - '0')
	}
	for z := r; z > r-10; z-- {
		if !unicode.Is(unicode.Nd, z-1) {
			return int(r - z)
		}
	}
	return int(r-'0') % 10
}

// MaxLimit is Nova's [api] max_limit, used for the next-link rule.
const MaxLimit = 1000

// DefaultPageSize is the Glance page size when the client sets none:
// Glance's default api_limit_max, so a page of up to 1000 images is one
// Glance call. (glanceclient behind Nova uses 200; the page size is not
// visible to clients, only in the number of Glance calls.)
const DefaultPageSize = 1000

// ListQuery is a parsed Nova image list request.
type ListQuery struct {
	// Params are all query parameters in request order (kept for the next link).
	Params []Pair
	// Limit is the total number of images to return; 0 means all.
	Limit int64
	// LinkLimit is min(limit param or MaxLimit, MaxLimit): a next link is
	// emitted when exactly this many images are returned (0: never).
	LinkLimit int64
	// PageSize is the Glance page size.
	PageSize int64
	// Marker is the id after which to list ("" for none).
	Marker string
	// Filters are the Glance filter parameters in emission order.
	Filters []Pair
}

func intParam(pairs []Pair, name string) (int64, bool, *Error) {
	v, ok := last(pairs, name)
	if !ok {
		return 0, false, nil
	}
	n, valid := PyInt(v)
	if !valid {
		return 0, true, Errorf(http.StatusBadRequest, "Invalid input received: %s must be an integer", name)
	}
	if n < 0 {
		return 0, true, Errorf(http.StatusBadRequest, "Invalid input received: %s must be >= 0", name)
	}
	return n, true, nil
}

// supportedFilters maps Nova filter parameters (images.py SUPPORTED_FILTERS).
var supportedFilters = map[string]string{
	"name":          "name",
	"status":        "status",
	"changes-since": "changes-since",
	"server":        "property-instance_uuid",
	"type":          "property-image_type",
	"minRam":        "min_ram",
	"minDisk":       "min_disk",
}

// PropertyPrefix is the prefix of custom property filters.
const PropertyPrefix = "property-"

// ParseList validates the pagination parameters and builds the Glance
// filters of GET /images and /images/detail.
//
// Deviation from Nova: Nova strips "property-" with str.lstrip, a character
// set strip that mangles keys starting with p,r,o,e,t,y or '-'
// (property-os_distro -> s_distro). imagegw removes exactly the prefix.
func ParseList(rawQuery string) (*ListQuery, *Error) {
	pairs := ParseQuery(rawQuery)
	q := &ListQuery{Params: pairs, PageSize: DefaultPageSize}

	limit, hasLimit, err := intParam(pairs, "limit")
	if err != nil {
		return nil, err
	}
	pageSize, hasPageSize, err := intParam(pairs, "page_size")
	if err != nil {
		return nil, err
	}
	q.Marker, _ = last(pairs, "marker")
	if _, _, err := intParam(pairs, "offset"); err != nil {
		return nil, err
	}
	q.Limit = limit
	q.LinkLimit = MaxLimit
	if hasLimit && limit < MaxLimit {
		q.LinkLimit = limit
	}
	if hasPageSize && pageSize > 0 {
		q.PageSize = pageSize
	}
	if q.Limit > 0 && q.PageSize > q.Limit {
		q.PageSize = q.Limit
	}

	// Nova's filter dict: key order of first occurrence, value of the last
	// parameter mapping to it (each parameter read with last-value-wins).
	type entry struct{ key, value string }
	var nova []entry
	index := map[string]int{}
	for _, p := range pairs {
		name, ok := supportedFilters[p.Key]
		if !ok {
			if !strings.HasPrefix(p.Key, PropertyPrefix) {
				continue
			}
			name = p.Key
		}
		v, _ := last(pairs, p.Key)
		if i, seen := index[name]; seen {
			nova[i].value = v
		} else {
			index[name] = len(nova)
			nova = append(nova, entry{name, v})
		}
	}
	if i, ok := index["property-instance_uuid"]; ok {
		if j := strings.LastIndexByte(nova[i].value, '/'); j >= 0 {
			nova[i].value = nova[i].value[j+1:]
		}
	}
	if i, ok := index["status"]; ok {
		nova[i].value = strings.ToLower(nova[i].value)
	}

	// Glance names (glance.py _extract_query_params_v2).
	gindex := map[string]int{}
	for _, e := range nova {
		key, value := e.key, e.value
		switch {
		case strings.HasPrefix(key, PropertyPrefix):
			key = strings.TrimPrefix(key, PropertyPrefix)
		case key == "changes-since":
			key, value = "updated_at", "gte:"+value
		}
		if i, seen := gindex[key]; seen {
			q.Filters[i].Value = value
		} else {
			gindex[key] = len(q.Filters)
			q.Filters = append(q.Filters, Pair{Key: key, Value: value})
		}
	}
	return q, nil
}

// GlanceQuery is the query string (with leading '?') of the first Glance
// list request, as glanceclient builds it: the filters, limit=<page size>,
// then the marker.
func (q *ListQuery) GlanceQuery() string {
	var b strings.Builder
	b.WriteByte('?')
	hasLimit := false
	for i, f := range q.Filters {
		if i > 0 {
			b.WriteByte('&')
		}
		value := f.Value
		if f.Key == "limit" {
			value, hasLimit = strconv.FormatInt(q.PageSize, 10), true
		}
		b.WriteString(url.QueryEscape(f.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(value))
	}
	if !hasLimit {
		if len(q.Filters) > 0 {
			b.WriteByte('&')
		}
		b.WriteString("limit=")
		b.WriteString(strconv.FormatInt(q.PageSize, 10))
	}
	if q.Marker != "" {
		b.WriteString("&marker=")
		b.WriteString(url.QueryEscape(q.Marker))
	}
	return b.String()
}

// NextLink returns the href of the "next" link for a page whose last image
// is lastID, or "" when Nova would emit none (count != LinkLimit).
// collectionURL is the collection's URL without query.
func (q *ListQuery) NextLink(collectionURL string, count int, lastID string) string {
	if q.LinkLimit == 0 || int64(count) != q.LinkLimit {
		return ""
	}
	// OrderedDict(sorted(params.items())): sorted by (name, value); a
	// repeated name keeps its first position and the last (greatest) value.
	sorted := append([]Pair(nil), q.Params...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Key != sorted[j].Key {
			return sorted[i].Key < sorted[j].Key
		}
		return sorted[i].Value < sorted[j].Value
	})
	var keys []string
	vals := map[string]string{}
	for _, p := range sorted {
		if _, ok := vals[p.Key]; !ok {
			keys = append(keys, p.Key)
		}
		vals[p.Key] = p.Value
	}
	if _, ok := vals["marker"]; !ok {
		keys = append(keys, "marker")
	}
	vals["marker"] = lastID
	var b strings.Builder
	b.WriteString(collectionURL)
	b.WriteByte('?')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(vals[k]))
	}
	return b.String()
}

// metadataProof are Glance filters a metadata write cannot change the
// outcome of: base attributes that Nova's metadata routes drop (name,
// min_ram, min_disk) or refuse to change (status).
var metadataProof = map[string]bool{"name": true, "status": true, "min_ram": true, "min_disk": true}

// MetadataSensitive tells whether a metadata write to an image can change
// which images this query lists: a filter on a property, on the image
// type or server (properties too), or on updated_at (changes-since; every
// write moves it). Without such a filter a metadata write changes only the
// lists that already hold the image.
func (q *ListQuery) MetadataSensitive() bool {
	for _, f := range q.Filters {
		if !metadataProof[f.Key] {
			return true
		}
	}
	return false
}
