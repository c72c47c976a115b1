package main

import "math/rand"

// opDef is one kind of request in the mix.
type opDef struct {
	name   string
	weight int
	what   string
	expect string
}

var mix = []opDef{
	{"list", 15, "GET /images?<filter> (12 filter/limit/marker variants), all users", "200, `images` array, at most `limit` items, no image Glance hides from the user"},
	{"detail", 20, "GET /images/detail?<filter>, all users", "200, as list, each item with `id` and `status`"},
	{"show", 20, "GET /images/{id} of 25 seeded images, all users", "200 with that `image.id` if Glance shows the image to the user, else 404 `itemNotFound`"},
	{"meta-index", 8, "GET /images/{id}/metadata of seeded images, all users", "200 `metadata` object if visible, else 404 `itemNotFound`"},
	{"meta-show", 8, "GET /images/{id}/metadata/{key} of seeded images, 12 keys (2 times in 3 one the image has)", "200 `meta.{key}` if visible and the key is set, else 404 `itemNotFound`"},
	{"own-index", 3, "GET /images/{own}/metadata, demo", "200 `metadata` with `soak_seed`"},
	{"own-show", 4, "GET /images/{own}/metadata/{key} of a claimed key, demo", "200 with the last value written if the key is set, else 404 (read-after-write through the cache)"},
	{"meta-post", 6, "POST /images/{own}/metadata with 2 claimed keys, demo", "200, `metadata` holds both new values"},
	{"meta-put-item", 8, "PUT /images/{own}/metadata/{key}, demo (3/4) or admin (1/4)", "200, echoes `meta`"},
	{"meta-delete-item", 5, "DELETE /images/{own}/metadata/{key} of a set key, demo (a PUT item when no set key is free)", "204, empty body"},
	{"meta-write-denied", 3, "PUT /images/{own}/metadata/soak_denied as alt or other", "404 `itemNotFound` (demo's private image is invisible to them)"},
}

var listQueries = []string{
	"", "limit=5", "limit=20", "name=ref-active", "status=ACTIVE", "minRam=512",
	"minDisk=10", "type=snapshot", "changes-since=2020-01-01T00:00:00Z",
	"property-os_distro=ubuntu", "limit=3&marker={marker}", "status=ACTIVE&limit=10",
}

func pickOp(rng *rand.Rand) string {
	total := 0
	for _, o := range mix {
		total += o.weight
	}
	n := rng.Intn(total)
	for _, o := range mix {
		if n < o.weight {
			return o.name
		}
		n -= o.weight
	}
	return mix[0].name
}
