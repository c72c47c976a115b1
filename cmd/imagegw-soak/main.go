// Command imagegw-soak is a bounded soak test of a running imagegw (issue 9;
// `make soak`, started by scripts/soak.sh). For a fixed time it sends a
// fixed total rate of mixed reads and metadata writes as the cloud's users
// demo, alt, other and admin (one token each, from the clouds.yaml entries
// of the same names, reused), checks every answer against the status (and
// body shape) expected for that operation, samples imagegw's VmRSS, prints a
// line every interval and writes a Markdown report with a PASS/FAIL verdict.
//
// Metadata writes only touch images this tool creates in Glance (as demo) at
// start and deletes at the end; seeded images are only read.
//
//	imagegw-soak --target http://127.0.0.1:PORT --pid PID [--cloud-dir DIR]
//	             [--duration 5m] [--rate 50] [--report bench/results/soak.md]
//
// Exit status: 0 PASS, 1 FAIL, 2 usage or setup error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/imagedata"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// ------------------------------------------------------------------ options

type options struct {
	target     string
	pid        int
	cloudDir   string
	duration   time.Duration
	rate       float64
	workers    int
	ownImages  int
	interval   time.Duration
	reportPath string
	seed       int64
	timeout    time.Duration
	growthMiB  float64
	growthPct  float64
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("imagegw-soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defDir := os.Getenv("IMAGEGW_CLOUD_DIR")
	if defDir == "" {
		defDir = "/tmp/imagegw-cloud"
	}
	fs.StringVar(&o.target, "target", "", "imagegw base URL, e.g. http://127.0.0.1:18774 (required)")
	fs.IntVar(&o.pid, "pid", 0, "imagegw's process id, for VmRSS (required)")
	fs.StringVar(&o.cloudDir, "cloud-dir", defDir, "state dir of scripts/cloud (clouds.yaml, seed.json)")
	fs.DurationVar(&o.duration, "duration", 5*time.Minute, "length of the load phase")
	fs.Float64Var(&o.rate, "rate", 50, "total requests per second")
	fs.IntVar(&o.workers, "workers", 32, "concurrent requests at most")
	fs.IntVar(&o.ownImages, "images", 5, "images created (as demo) for the metadata writes")
	fs.DurationVar(&o.interval, "interval", 10*time.Second, "progress line interval")
	fs.StringVar(&o.reportPath, "report", "bench/results/soak.md", "Markdown report file")
	fs.Int64Var(&o.seed, "seed", 0, "random seed (0: from the clock)")
	fs.DurationVar(&o.timeout, "timeout", 65*time.Second, "timeout of one request (above imagegw's 60s request_timeout, so its own answer is seen)")
	fs.Float64Var(&o.growthMiB, "rss-growth-mib", 10, "RSS growth allowed (MiB) between the first and the last third")
	fs.Float64Var(&o.growthPct, "rss-growth-pct", 20, "... or this percentage of the first third's mean, whichever is larger")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: imagegw-soak --target URL --pid PID [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.target == "":
		return o, errors.New("--target is required")
	case o.pid <= 0:
		return o, errors.New("--pid is required")
	case o.duration <= 0 || o.duration > 24*time.Hour:
		return o, errors.New("--duration must be in (0, 24h]")
	case o.rate <= 0 || o.rate > 10000:
		return o, errors.New("--rate must be in (0, 10000]")
	case o.workers < 1 || o.ownImages < 1 || o.interval <= 0 || o.timeout <= 0:
		return o, errors.New("--workers, --images, --interval, --timeout must be positive")
	}
	o.target = strings.TrimRight(o.target, "/")
	if o.seed == 0 {
		o.seed = time.Now().UnixNano()
	}
	return o, nil
}

// ------------------------------------------------------------------ cloud

var users = []string{"demo", "alt", "other", "admin"}

type seedFile struct {
	Projects     map[string]string `json:"projects"`
	InstanceUUID string            `json:"instance_uuid"`
	Images       map[string]struct {
		ID string `json:"id"`
	} `json:"images"`
}

// seededNames are the seeded images read by show and the metadata reads:
// every owner, visibility, status and property shape.
var seededNames = []string{
	"ref-active", "ref-queued", "ref-snapshot", "ref-custom-props",
	"ref-minram-mindisk", "ref-protected", "ref-hidden", "ref-tagged",
	"ref-deactivated", "ref-uploading", "ref-shared-to-alt-accepted",
	"ref-shared-to-alt-pending", "ref-private-explicit", "ref-community-demo",
	"ref-meta-126", "ref-page-00", "ref-alt-private",
	"ref-alt-shared-to-demo-accepted", "ref-alt-shared-to-demo-pending",
	"ref-alt-community", "ref-admin-public", "ref-admin-public-snapshot",
	"ref-admin-private", "ref-other-private", "ref-other-public",
}

// metaKeys are the keys asked for by the seeded metadata show (the last one
// exists nowhere). Two times in three a key the image has is asked for.
var metaKeys = []string{"os_distro", "hw_disk_bus", "meta_key1", "k000", "k125", "custom_key",
	"alt_prop", "other_prop", "purpose", "image_type", "instance_uuid", "soak_absent_key"}

// seeded is one seeded image as Glance answers it to each user.
type seeded struct {
	name, id string
	visible  map[string]bool // user -> Glance shows it
	props    map[string]any  // admin's view of the Glance image
	setKeys  []string        // the metaKeys the image has
}

type account struct {
	mu      sync.Mutex
	name    string
	project string
	token   string
	at      time.Time
}

// tokenFor returns the user's token, renewed after 30 minutes (Keystone's
// default lifetime is one hour).
func (a *account) get(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && time.Since(a.at) < 30*time.Minute {
		return a.token, nil
	}
	pc, err := authenticate(ctx, a.name)
	if err != nil {
		return "", err
	}
	a.token, a.at = pc.Token(), time.Now()
	return a.token, nil
}

func authenticate(ctx context.Context, user string) (*gophercloud.ProviderClient, error) {
	ao, _, _, err := clouds.Parse(clouds.WithCloudName(user))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return openstack.AuthenticatedClient(ctx, ao)
}

func imageClient(ctx context.Context, user string) (*gophercloud.ServiceClient, error) {
	ao, eo, _, err := clouds.Parse(clouds.WithCloudName(user))
	if err != nil {
		return nil, err
	}
	actx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	pc, err := openstack.AuthenticatedClient(actx, ao)
	if err != nil {
		return nil, err
	}
	return openstack.NewImageV2(pc, eo)
}

// ------------------------------------------------------------------ own images

const ownTag = "imagegw-soak"

var ownKeys = []string{"soak_k0", "soak_k1", "soak_k2", "soak_k3", "soak_k4", "soak_k5", "soak_k6", "soak_k7"}

// keyState is what the tool knows about one metadata key of an own image.
// A key is used by one request at a time (busy), so its expected value is
// exact; after an unexpected answer it stays busy (quarantined).
type keyState struct {
	busy    bool
	present bool
	value   string
}

type ownImage struct {
	id   string
	keys map[string]*keyState
}

type ownSet struct {
	mu     sync.Mutex
	images []*ownImage
}

type claim struct {
	img  *ownImage
	keys []string
}

// claimKeys marks n free keys of one image busy; onlyPresent restricts to
// keys that are set. It tries every image from a random start.
func (s *ownSet) claimKeys(rng *rand.Rand, n int, onlyPresent bool) *claim {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := rng.Intn(len(s.images))
	for i := range s.images {
		img := s.images[(start+i)%len(s.images)]
		var free []string
		for _, k := range ownKeys {
			st := img.keys[k]
			if !st.busy && (!onlyPresent || st.present) {
				free = append(free, k)
			}
		}
		if len(free) < n {
			continue
		}
		rng.Shuffle(len(free), func(a, b int) { free[a], free[b] = free[b], free[a] })
		c := &claim{img: img, keys: free[:n]}
		for _, k := range c.keys {
			img.keys[k].busy = true
		}
		return c
	}
	return nil
}

func (s *ownSet) state(c *claim, key string) keyState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *c.img.keys[key]
}

// release frees the claimed keys; ok false quarantines them.
func (s *ownSet) release(c *claim, ok bool, update func(map[string]*keyState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok {
		return
	}
	if update != nil {
		update(c.img.keys)
	}
	for _, k := range c.keys {
		c.img.keys[k].busy = false
	}
}

// ------------------------------------------------------------------ requests

// request is one planned HTTP exchange with what is expected back.
type request struct {
	op      string
	user    string
	method  string
	path    string
	header  map[string]string
	body    []byte
	expect  []int
	check   func(status int, body []byte) error // body shape; nil: none
	release func(ok bool)                       // own-image key claims
}

type result struct {
	op       string
	at       time.Duration // completion, since the load started
	latency  time.Duration
	status   int // 0: transport error
	errKind  string
	errNote  string
	req      *request
	respBody []byte
	reqID    string
}

func statusExpected(expect []int, got int) bool { return slices.Contains(expect, got) }

func jsonObject(body []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %v", err)
	}
	return m, nil
}

// objectCheck is a response check on the body decoded as a JSON object.
func objectCheck(f func(m map[string]any) error) func(int, []byte) error {
	return func(_ int, b []byte) error {
		m, err := jsonObject(b)
		if err != nil {
			return err
		}
		return f(m)
	}
}

func checkNotFound(body []byte) error {
	m, err := jsonObject(body)
	if err != nil {
		return err
	}
	if _, ok := m["itemNotFound"].(map[string]any); !ok {
		return errors.New("404 body has no itemNotFound")
	}
	return nil
}

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

type soak struct {
	o        options
	client   *http.Client
	accounts map[string]*account
	seeded   []*seeded
	hidden   map[string]map[string]bool // user -> ids Glance hides from them
	marker   string
	own      ownSet
	seq      int64
	seqMu    sync.Mutex
	start    time.Time
}

func (s *soak) nextValue() string {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	s.seq++
	return "v" + strconv.FormatInt(s.seq, 10)
}

// prefix picks a URL form and the version headers that go with it.
func (s *soak) prefix(rng *rand.Rand, user string) (string, map[string]string) {
	proj := s.accounts[user].project
	var p string
	switch rng.Intn(4) {
	case 0, 1:
		p = "/v2.1"
	case 2:
		p = "/v2.1/" + proj
	default:
		return "/v2/" + proj, nil // legacy: versions ignored
	}
	switch rng.Intn(3) {
	case 0:
		return p, nil
	case 1:
		return p, map[string]string{"X-OpenStack-Nova-API-Version": "2.35"}
	default:
		return p, map[string]string{"OpenStack-API-Version": "compute 2.1"}
	}
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

// plan builds the next request of kind op.
func (s *soak) plan(rng *rand.Rand, op string) *request {
	user := users[rng.Intn(len(users))]
	switch op {
	case "list", "detail":
		return s.planList(rng, op, user)
	case "show", "meta-index", "meta-show":
		return s.planSeeded(rng, op, user)
	case "own-index":
		img := s.own.images[rng.Intn(len(s.own.images))]
		p, h := s.prefix(rng, "demo")
		return &request{op: op, user: "demo", method: "GET", path: p + "/images/" + img.id + "/metadata", header: h,
			expect: []int{200}, check: objectCheck(func(m map[string]any) error {
				md, _ := m["metadata"].(map[string]any)
				if md["soak_seed"] != "1" {
					return errors.New("metadata without soak_seed=1")
				}
				return nil
			})}
	case "own-show":
		c := s.own.claimKeys(rng, 1, false)
		if c == nil {
			return s.plan(rng, "own-index")
		}
		key := c.keys[0]
		st := s.own.state(c, key)
		p, h := s.prefix(rng, "demo")
		r := &request{op: op, user: "demo", method: "GET", path: p + "/images/" + c.img.id + "/metadata/" + key, header: h,
			release: func(ok bool) { s.own.release(c, ok, nil) }}
		if st.present {
			r.expect = []int{200}
			r.check = objectCheck(func(m map[string]any) error {
				meta, _ := m["meta"].(map[string]any)
				if got := meta[key]; got != st.value {
					return fmt.Errorf("stale read: %s=%v, last written %q", key, got, st.value)
				}
				return nil
			})
		} else {
			r.expect = []int{404}
			r.check = func(_ int, b []byte) error { return checkNotFound(b) }
		}
		return r
	case "meta-post":
		c := s.own.claimKeys(rng, 2, false)
		if c == nil {
			return s.plan(rng, "own-index")
		}
		vals := map[string]string{c.keys[0]: s.nextValue(), c.keys[1]: s.nextValue()}
		body, _ := json.Marshal(map[string]any{"metadata": vals})
		p, h := s.prefix(rng, "demo")
		return &request{op: op, user: "demo", method: "POST", path: p + "/images/" + c.img.id + "/metadata", header: h, body: body,
			expect: []int{200},
			check: objectCheck(func(m map[string]any) error {
				md, _ := m["metadata"].(map[string]any)
				for k, v := range vals {
					if md[k] != v {
						return fmt.Errorf("metadata %s=%v, want %q", k, md[k], v)
					}
				}
				return nil
			}),
			release: func(ok bool) {
				s.own.release(c, ok, func(keys map[string]*keyState) {
					for k, v := range vals {
						keys[k].present, keys[k].value = true, v
					}
				})
			}}
	case "meta-put-item":
		c := s.own.claimKeys(rng, 1, false)
		if c == nil {
			return s.plan(rng, "own-index")
		}
		return s.planPutItem(rng, c)
	case "meta-delete-item":
		c := s.own.claimKeys(rng, 1, true)
		if c == nil {
			if c = s.own.claimKeys(rng, 1, false); c == nil {
				return s.plan(rng, "own-index")
			}
			return s.planPutItem(rng, c)
		}
		key := c.keys[0]
		p, h := s.prefix(rng, "demo")
		return &request{op: op, user: "demo", method: "DELETE", path: p + "/images/" + c.img.id + "/metadata/" + key, header: h,
			expect: []int{204},
			check: func(_ int, b []byte) error {
				if len(b) != 0 {
					return fmt.Errorf("204 with a body of %d bytes", len(b))
				}
				return nil
			},
			release: func(ok bool) {
				s.own.release(c, ok, func(keys map[string]*keyState) { keys[key].present, keys[key].value = false, "" })
			}}
	case "meta-write-denied":
		img := s.own.images[rng.Intn(len(s.own.images))]
		u := []string{"alt", "other"}[rng.Intn(2)]
		p, h := s.prefix(rng, u)
		return &request{op: op, user: u, method: "PUT", path: p + "/images/" + img.id + "/metadata/soak_denied", header: h,
			body:   []byte(`{"meta": {"soak_denied": "x"}}`),
			expect: []int{404}, check: func(_ int, b []byte) error { return checkNotFound(b) }}
	}
	panic("unknown op " + op)
}

func (s *soak) planPutItem(rng *rand.Rand, c *claim) *request {
	key, val := c.keys[0], s.nextValue()
	user := "demo"
	if rng.Intn(4) == 0 {
		user = "admin"
	}
	body, _ := json.Marshal(map[string]any{"meta": map[string]string{key: val}})
	p, h := s.prefix(rng, user)
	return &request{op: "meta-put-item", user: user, method: "PUT", path: p + "/images/" + c.img.id + "/metadata/" + key, header: h, body: body,
		expect: []int{200},
		check: objectCheck(func(m map[string]any) error {
			meta, _ := m["meta"].(map[string]any)
			if len(meta) != 1 || meta[key] != val {
				return fmt.Errorf("meta %v, want {%s: %s}", m["meta"], key, val)
			}
			return nil
		}),
		release: func(ok bool) {
			s.own.release(c, ok, func(keys map[string]*keyState) { keys[key].present, keys[key].value = true, val })
		}}
}

func (s *soak) planList(rng *rand.Rand, op, user string) *request {
	q := strings.ReplaceAll(listQueries[rng.Intn(len(listQueries))], "{marker}", s.marker)
	limit := -1
	for _, kv := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(kv, "limit="); ok {
			limit, _ = strconv.Atoi(v)
		}
	}
	p, h := s.prefix(rng, user)
	path := p + "/images"
	if op == "detail" {
		path += "/detail"
	}
	if q != "" {
		path += "?" + q
	}
	hidden := s.hidden[user]
	return &request{op: op, user: user, method: "GET", path: path, header: h, expect: []int{200},
		check: objectCheck(func(m map[string]any) error {
			list, ok := m["images"].([]any)
			if !ok {
				return errors.New("no images array")
			}
			if limit >= 0 && len(list) > limit {
				return fmt.Errorf("%d images for limit=%d", len(list), limit)
			}
			for _, x := range list {
				im, _ := x.(map[string]any)
				id, _ := im["id"].(string)
				if id == "" {
					return errors.New("image without id")
				}
				if hidden[id] {
					return fmt.Errorf("image %s is listed but Glance hides it from %s", id, user)
				}
				if _, ok := im["status"]; op == "detail" && !ok {
					return fmt.Errorf("detail item %s without status", id)
				}
			}
			return nil
		})}
}

func (s *soak) planSeeded(rng *rand.Rand, op, user string) *request {
	im := s.seeded[rng.Intn(len(s.seeded))]
	p, h := s.prefix(rng, user)
	r := &request{op: op, user: user, method: "GET", header: h}
	visible := im.visible[user]
	notFound := func(_ int, b []byte) error { return checkNotFound(b) }
	switch op {
	case "show":
		r.path = p + "/images/" + im.id
		if !visible {
			r.expect, r.check = []int{404}, notFound
			break
		}
		r.expect = []int{200}
		r.check = objectCheck(func(m map[string]any) error {
			img, _ := m["image"].(map[string]any)
			if img["id"] != im.id {
				return fmt.Errorf("image.id %v, want %s", img["id"], im.id)
			}
			return nil
		})
	case "meta-index":
		r.path = p + "/images/" + im.id + "/metadata"
		if !visible {
			r.expect, r.check = []int{404}, notFound
			break
		}
		r.expect = []int{200}
		r.check = objectCheck(func(m map[string]any) error {
			if _, ok := m["metadata"].(map[string]any); !ok {
				return errors.New("no metadata object")
			}
			return nil
		})
	case "meta-show":
		key := metaKeys[rng.Intn(len(metaKeys))]
		if len(im.setKeys) > 0 && rng.Intn(3) > 0 {
			key = im.setKeys[rng.Intn(len(im.setKeys))]
		}
		r.path = p + "/images/" + im.id + "/metadata/" + key
		want, set := im.props[key]
		if !visible || !set {
			r.expect, r.check = []int{404}, notFound
			break
		}
		r.expect = []int{200}
		r.check = objectCheck(func(m map[string]any) error {
			meta, _ := m["meta"].(map[string]any)
			if fmt.Sprint(meta[key]) != fmt.Sprint(want) {
				return fmt.Errorf("meta.%s=%v, want %v", key, meta[key], want)
			}
			return nil
		})
	}
	return r
}

// do sends one request and classifies the answer.
func (s *soak) do(ctx context.Context, r *request) result {
	res := result{op: r.op, req: r}
	tok, err := s.accounts[r.user].get(ctx)
	if err != nil {
		res.errKind, res.errNote = "token", err.Error()
		res.at = time.Since(s.start)
		return res
	}
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	rctx, cancel := context.WithTimeout(ctx, s.o.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(rctx, r.method, s.o.target+r.path, rd)
	if err != nil {
		res.errKind, res.errNote = "request", err.Error()
		res.at = time.Since(s.start)
		return res
	}
	hr.Header.Set("X-Auth-Token", tok)
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", "imagegw-soak")
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	t0 := time.Now()
	resp, err := s.client.Do(hr)
	if err == nil {
		res.respBody, err = io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		resp.Body.Close()
		res.status = resp.StatusCode
		res.reqID = resp.Header.Get("X-Compute-Request-Id")
		if res.reqID == "" {
			res.reqID = resp.Header.Get("X-Openstack-Request-Id")
		}
	}
	res.latency = time.Since(t0)
	res.at = time.Since(s.start)
	switch {
	case err != nil:
		res.errKind, res.errNote = "transport", err.Error()
	case res.status >= 500:
		res.errKind = "5xx"
	case !statusExpected(r.expect, res.status):
		res.errKind = "unexpected status"
	case r.check != nil:
		if cerr := r.check(res.status, res.respBody); cerr != nil {
			res.errKind, res.errNote = "bad body", cerr.Error()
		}
	}
	return res
}

// ------------------------------------------------------------------ stats

type rssSample struct {
	at time.Duration
	kb int64
}

type intervalRow struct {
	end      time.Duration
	done     int
	errors   int
	p50, p99 time.Duration
	rate     float64
	inflight int64
	rssKB    int64
}

type opStats struct {
	count    int
	errors   int
	statuses map[int]int
	lat      []time.Duration
}

type errSample struct {
	at               time.Duration
	op, user, kind   string
	note             string
	method, path     string
	header           map[string]string
	reqBody, resBody string
	status           int
	expect           []int
	reqID            string
	latency          time.Duration
}

type collector struct {
	mu       sync.Mutex
	results  []result // completion order; bodies dropped unless an error
	cursor   int
	ops      map[string]*opStats
	errs     []errSample
	errCount map[string]int // "op status kind" -> n
	rss      []rssSample
	rssErr   string
	rows     []intervalRow
}

const maxErrSamples = 25

func (c *collector) add(r result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.ops[r.op]
	if st == nil {
		st = &opStats{statuses: map[int]int{}}
		c.ops[r.op] = st
	}
	st.count++
	st.statuses[r.status]++
	st.lat = append(st.lat, r.latency)
	if r.errKind != "" {
		st.errors++
		c.errCount[fmt.Sprintf("%s → %d (%s)", r.op, r.status, r.errKind)]++
		if len(c.errs) < maxErrSamples {
			c.errs = append(c.errs, errSample{at: r.at, op: r.op, user: r.req.user, kind: r.errKind, note: r.errNote,
				method: r.req.method, path: r.req.path, header: r.req.header, reqBody: string(r.req.body),
				resBody: truncate(string(r.respBody), 600), status: r.status, expect: r.req.expect, reqID: r.reqID,
				latency: r.latency})
		}
	}
	r.respBody, r.req = nil, nil
	c.results = append(c.results, r)
}

// row summarises the results completed since the previous row.
func (c *collector) row(end time.Duration, rssKB int64, sent int64) intervalRow {
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := c.results[c.cursor:]
	c.cursor = len(c.results)
	var prev time.Duration
	if n := len(c.rows); n > 0 {
		prev = c.rows[n-1].end
	}
	lat := make([]time.Duration, 0, len(batch))
	row := intervalRow{end: end, done: len(batch), rssKB: rssKB, inflight: sent - int64(len(c.results))}
	for _, r := range batch {
		lat = append(lat, r.latency)
		if r.errKind != "" {
			row.errors++
		}
	}
	slices.Sort(lat)
	row.p50, row.p99 = percentile(lat, 50), percentile(lat, 99)
	row.rate = -1 // not meaningful over less than a second (the tail row)
	if d := (end - prev).Seconds(); d >= 1 {
		row.rate = float64(len(batch)) / d
	}
	c.rows = append(c.rows, row)
	return row
}

// percentile is the nearest-rank percentile of sorted durations (0 if none).
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return sorted[rank-1]
}

// parseVmRSS reads VmRSS (kB) from the text of /proc/<pid>/status.
func parseVmRSS(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) < 1 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, errors.New("no VmRSS line")
}

func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVmRSS(string(b))
}

// rssThirds returns the mean RSS (kB) of the samples in the first and in the
// last third of a run of length total, and false if either third is empty.
func rssThirds(samples []rssSample, total time.Duration) (first, last float64, ok bool) {
	var fs, ls float64
	var fn, ln int
	for _, s := range samples {
		switch {
		case s.at < total/3:
			fs += float64(s.kb)
			fn++
		case s.at >= total-total/3:
			ls += float64(s.kb)
			ln++
		}
	}
	if fn == 0 || ln == 0 {
		return 0, 0, false
	}
	return fs / float64(fn), ls / float64(ln), true
}

// verdict applies the pass rule: no errors, and the RSS growth between the
// first and the last third below max(growthMiB, growthPct % of the first).
func verdict(errors int, first, last float64, rssOK bool, growthMiB, growthPct float64, notes []string) (bool, string) {
	var why []string
	if errors > 0 {
		why = append(why, fmt.Sprintf("%d errors", errors))
	}
	allowed := math.Max(growthMiB*1024, first*growthPct/100)
	growth := last - first
	if !rssOK {
		why = append(why, "not enough RSS samples")
	} else if growth >= allowed {
		why = append(why, fmt.Sprintf("RSS grew %.1f MiB (allowed < %.1f MiB)", growth/1024, allowed/1024))
	}
	why = append(why, notes...)
	if len(why) == 0 {
		return true, fmt.Sprintf("0 errors, RSS growth %+.1f MiB (%+.1f %%) < %.1f MiB allowed", growth/1024, pct(growth, first), allowed/1024)
	}
	return false, strings.Join(why, "; ")
}

func pct(d, base float64) float64 {
	if base == 0 {
		return 0
	}
	return d / base * 100
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("… (%d bytes)", len(s))
}

// ------------------------------------------------------------------ report

type report struct {
	started              time.Time
	target               string
	pid                  int
	cloudDir             string
	duration, elapsed    time.Duration
	interval             time.Duration
	rate                 float64
	workers              int
	seed                 int64
	ownImages            []string
	seededCount          int
	scheduled, sent      int
	late                 int
	maxLag               time.Duration
	rows                 []intervalRow
	ops                  map[string]*opStats
	errs                 []errSample
	errCount             map[string]int
	rss                  []rssSample
	rssErr               string
	growthMiB, growthPct float64
	notes                []string // extra FAIL reasons (interrupted, process gone)
	info                 []string // remarks that do not fail the run
	warmup               []string
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func mib(kb float64) string { return fmt.Sprintf("%.1f", kb/1024) }

func formatRow(r intervalRow) string {
	rss := "–"
	if r.rssKB > 0 {
		rss = mib(float64(r.rssKB))
	}
	rate := "–"
	if r.rate >= 0 {
		rate = fmt.Sprintf("%.1f", r.rate)
	}
	return fmt.Sprintf("| %5.1f | %6d | %6s | %6d | %8s | %8s | %9d | %7s |",
		r.end.Seconds(), r.done, rate, r.errors, ms(r.p50), ms(r.p99), r.inflight, rss)
}

const rowHeader = "| t (s) |   done |  req/s | errors |  p50 ms |  p99 ms | in flight | RSS MiB |\n|------:|-------:|-------:|-------:|--------:|--------:|----------:|--------:|"

func formatReport(r report) (string, bool) {
	var b strings.Builder
	total, errs := 0, 0
	var all []time.Duration
	names := make([]string, 0, len(r.ops))
	for name, st := range r.ops {
		names = append(names, name)
		total += st.count
		errs += st.errors
		all = append(all, st.lat...)
	}
	slices.Sort(all)
	order := map[string]int{}
	for i, o := range mix {
		order[o.name] = i
	}
	sort.Slice(names, func(i, j int) bool { return order[names[i]] < order[names[j]] })
	first, last, rssOK := rssThirds(r.rss, r.elapsed)
	pass, why := verdict(errs, first, last, rssOK, r.growthMiB, r.growthPct, r.notes)

	fmt.Fprintf(&b, "# imagegw soak test\n\n")
	fmt.Fprintf(&b, "- started: %s, load phase %s of %s planned\n", r.started.UTC().Format(time.RFC3339), r.elapsed.Round(time.Second), r.duration)
	fmt.Fprintf(&b, "- target: %s (imagegw pid %d), cloud: %s\n", r.target, r.pid, r.cloudDir)
	fmt.Fprintf(&b, "- rate: %g req/s total, at most %d in flight, seed %d; users demo, alt, other, admin (one token each)\n", r.rate, r.workers, r.seed)
	fmt.Fprintf(&b, "- scheduled %d, sent %d (%.1f req/s achieved), %d sent more than 1 s late, max lag %s\n",
		r.scheduled, r.sent, float64(r.sent)/math.Max(r.elapsed.Seconds(), 1e-9), r.late, r.maxLag.Round(time.Millisecond))
	fmt.Fprintf(&b, "- %d seeded images read; metadata writes only on %d images created by this run (as demo, deleted at the end): %s\n",
		r.seededCount, len(r.ownImages), strings.Join(r.ownImages, ", "))
	fmt.Fprintf(&b, "- error = transport error or timeout, any 5xx, a status not expected for the operation, or a body that does not match (see table)\n")
	fmt.Fprintf(&b, "- PASS rule: 0 errors and RSS growth (mean of the last third − mean of the first third of the run) < %g MiB or < %g %% of the first third's mean, whichever is larger\n\n", r.growthMiB, r.growthPct)

	fmt.Fprintf(&b, "## Every %s\n\n%s\n", r.interval, rowHeader)
	for _, row := range r.rows {
		fmt.Fprintln(&b, formatRow(row))
	}
	fmt.Fprintf(&b, "\n## Totals\n\n")
	fmt.Fprintf(&b, "| operation | weight | requests | errors | p50 ms | p99 ms | statuses | expected |\n|---|--:|--:|--:|--:|--:|---|---|\n")
	weights := map[string]opDef{}
	for _, o := range mix {
		weights[o.name] = o
	}
	for _, name := range names {
		st := r.ops[name]
		lat := slices.Clone(st.lat)
		slices.Sort(lat)
		codes := make([]int, 0, len(st.statuses))
		for c := range st.statuses {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		var sc []string
		for _, c := range codes {
			sc = append(sc, fmt.Sprintf("%d×%d", c, st.statuses[c]))
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %s | %s | %s |\n", name, weights[name].weight, st.count, st.errors,
			ms(percentile(lat, 50)), ms(percentile(lat, 99)), strings.Join(sc, " "), weights[name].expect)
	}
	fmt.Fprintf(&b, "| **all** | 100 | %d | %d | %s | %s | | |\n", total, errs, ms(percentile(all, 50)), ms(percentile(all, 99)))
	fmt.Fprintf(&b, "\n(status 0 = no HTTP answer.) Operations:\n\n")
	for _, o := range mix {
		fmt.Fprintf(&b, "- `%s`: %s\n", o.name, o.what)
	}
	fmt.Fprintf(&b, "\nURL forms are mixed: `/v2.1`, `/v2.1/{project_id}` (each with no version header, `X-OpenStack-Nova-API-Version: 2.35` or `OpenStack-API-Version: compute 2.1`) and legacy `/v2/{project_id}`.\n")

	fmt.Fprintf(&b, "\n## imagegw RSS\n\n")
	if len(r.rss) > 0 {
		lo, hi := r.rss[0].kb, r.rss[0].kb
		for _, s := range r.rss {
			lo, hi = min(lo, s.kb), max(hi, s.kb)
		}
		fmt.Fprintf(&b, "%d samples (1/s): start %s MiB, min %s, max %s, end %s MiB", len(r.rss), mib(float64(r.rss[0].kb)),
			mib(float64(lo)), mib(float64(hi)), mib(float64(r.rss[len(r.rss)-1].kb)))
		if rssOK {
			fmt.Fprintf(&b, "; first third mean %s MiB, last third mean %s MiB, growth %+.1f MiB (%+.1f %%)", mib(first), mib(last), (last-first)/1024, pct(last-first, first))
		}
		fmt.Fprintln(&b)
	}
	if r.rssErr != "" {
		fmt.Fprintf(&b, "\nRSS sampling error: %s\n", r.rssErr)
	}

	if errs > 0 {
		fmt.Fprintf(&b, "\n## Errors\n\n")
		keys := make([]string, 0, len(r.errCount))
		for k := range r.errCount {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "- %s: %d\n", k, r.errCount[k])
		}
		fmt.Fprintf(&b, "\nFirst %d:\n\n", len(r.errs))
		for _, e := range r.errs {
			fmt.Fprintf(&b, "- t=%.1fs %s as %s: `%s %s`", e.at.Seconds(), e.op, e.user, e.method, e.path)
			if len(e.header) > 0 {
				hk := make([]string, 0, len(e.header))
				for k, v := range e.header {
					hk = append(hk, k+": "+v)
				}
				sort.Strings(hk)
				fmt.Fprintf(&b, " [%s]", strings.Join(hk, "; "))
			}
			if e.reqBody != "" {
				fmt.Fprintf(&b, " body `%s`", e.reqBody)
			}
			fmt.Fprintf(&b, "\n  → %d (expected %v) after %s ms, %s", e.status, e.expect, ms(e.latency), e.kind)
			if e.note != "" {
				fmt.Fprintf(&b, ": %s", e.note)
			}
			if e.reqID != "" {
				fmt.Fprintf(&b, ", request id %s", e.reqID)
			}
			if e.resBody != "" {
				fmt.Fprintf(&b, "\n  response: `%s`", strings.ReplaceAll(e.resBody, "`", "'"))
			}
			fmt.Fprintln(&b)
		}
	}
	if len(r.warmup) > 0 {
		fmt.Fprintf(&b, "\n## Warm-up (not counted)\n\nOne `GET /v2.1/images?limit=1` per user, one after the other, before the load, so that imagegw's token cache holds the four tokens:\n\n")
		for _, w := range r.warmup {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	if len(r.info) > 0 {
		fmt.Fprintf(&b, "\n## Notes\n\n")
		for _, n := range r.info {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	v := "FAIL"
	if pass {
		v = "PASS"
	}
	fmt.Fprintf(&b, "\n**VERDICT: %s** — %d requests, %s\n", v, total, why)
	return b.String(), pass
}

// ------------------------------------------------------------------ run

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "imagegw-soak:", err)
		return 2
	}
	if _, err := readRSS(o.pid); err != nil {
		fmt.Fprintf(stderr, "imagegw-soak: pid %d: %v\n", o.pid, err)
		return 2
	}
	if os.Getenv("OS_CLIENT_CONFIG_FILE") == "" {
		os.Setenv("OS_CLIENT_CONFIG_FILE", filepath.Join(o.cloudDir, "clouds.yaml"))
	}
	s := &soak{o: o, accounts: map[string]*account{}, hidden: map[string]map[string]bool{}}
	s.client = &http.Client{Transport: &http.Transport{
		MaxIdleConns: o.workers * 2, MaxIdleConnsPerHost: o.workers * 2, IdleConnTimeout: 90 * time.Second,
	}}
	logf := func(format string, a ...any) { fmt.Fprintf(stdout, "soak: "+format+"\n", a...) }

	// setup: tokens, the seeded images as Glance shows them, own images
	created, err := s.setup(ctx, logf)
	if err != nil {
		fmt.Fprintln(stderr, "imagegw-soak: setup:", err)
		if created {
			s.cleanup(logf)
		}
		return 2
	}
	defer s.cleanup(logf)

	rep := s.load(ctx, logf, stdout)
	text, pass := formatReport(rep)
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, text)
	if o.reportPath != "" {
		if err := os.MkdirAll(filepath.Dir(o.reportPath), 0o755); err == nil {
			err = os.WriteFile(o.reportPath, []byte(text), 0o644)
		}
		if err != nil {
			fmt.Fprintln(stderr, "imagegw-soak: report:", err)
			return 1
		}
		logf("report written to %s", o.reportPath)
	}
	if !pass {
		return 1
	}
	return 0
}

// setup returns true once it may have created images in Glance.
func (s *soak) setup(ctx context.Context, logf func(string, ...any)) (bool, error) {
	b, err := os.ReadFile(filepath.Join(s.o.cloudDir, "seed.json"))
	if err != nil {
		return false, fmt.Errorf("%v (seed the cloud: scripts/cloud/seed.py)", err)
	}
	var sf seedFile
	if err := json.Unmarshal(b, &sf); err != nil {
		return false, fmt.Errorf("seed.json: %v", err)
	}
	glance := map[string]*gophercloud.ServiceClient{}
	for _, u := range users {
		pid := sf.Projects[u]
		if pid == "" {
			return false, fmt.Errorf("seed.json has no project %q", u)
		}
		a := &account{name: u, project: pid}
		if _, err := a.get(ctx); err != nil {
			return false, fmt.Errorf("token for %s: %w", u, err)
		}
		s.accounts[u] = a
		if glance[u], err = imageClient(ctx, u); err != nil {
			return false, fmt.Errorf("glance client for %s: %w", u, err)
		}
	}
	logf("tokens for %s", strings.Join(users, ", "))

	// Which seeded images Glance shows to whom (the expected 200/404), and
	// admin's view of their properties.
	for _, name := range seededNames {
		im, ok := sf.Images[name]
		if !ok {
			return false, fmt.Errorf("seed.json has no image %q (run scripts/cloud/seed.py)", name)
		}
		sd := &seeded{name: name, id: im.ID, visible: map[string]bool{}}
		for _, u := range users {
			var m map[string]any
			_, err := glance[u].Get(ctx, glance[u].ServiceURL("images", im.ID), &m, &gophercloud.RequestOpts{OkCodes: []int{200}})
			switch {
			case err == nil:
				sd.visible[u] = true
				if u == "admin" {
					sd.props = m
				}
			case gophercloud.ResponseCodeIs(err, http.StatusNotFound):
				if s.hidden[u] == nil {
					s.hidden[u] = map[string]bool{}
				}
				s.hidden[u][im.ID] = true
			default:
				return false, fmt.Errorf("glance GET image %s as %s: %w", name, u, err)
			}
		}
		if !sd.visible["admin"] {
			return false, fmt.Errorf("seeded image %s is missing in Glance (run scripts/cloud/seed.py)", name)
		}
		for _, k := range metaKeys {
			if _, ok := sd.props[k]; ok {
				sd.setKeys = append(sd.setKeys, k)
			}
		}
		s.seeded = append(s.seeded, sd)
	}
	s.marker = sf.Images["ref-admin-public"].ID
	logf("%d seeded images probed in Glance as every user", len(s.seeded))

	demo := glance["demo"]
	// leftovers of an interrupted run
	if err := s.deleteTagged(ctx, logf, demo); err != nil {
		return true, err
	}
	vis := images.ImageVisibilityPrivate
	runID := strconv.FormatInt(time.Now().Unix(), 36)
	for i := 0; i < s.o.ownImages; i++ {
		im, err := images.Create(ctx, demo, images.CreateOpts{
			Name: fmt.Sprintf("soak-%s-%d", runID, i), Visibility: &vis, Tags: []string{ownTag},
			ContainerFormat: "bare", DiskFormat: "raw", Properties: map[string]string{"soak_seed": "1"},
		}).Extract()
		if err != nil {
			return true, fmt.Errorf("create own image: %w", err)
		}
		oi := &ownImage{id: im.ID, keys: map[string]*keyState{}}
		for _, k := range ownKeys {
			oi.keys[k] = &keyState{}
		}
		s.own.images = append(s.own.images, oi)
		if err := imagedata.Upload(ctx, demo, im.ID, bytes.NewReader(bytes.Repeat([]byte("soak"), 256))).ExtractErr(); err != nil {
			return true, fmt.Errorf("upload own image data: %w", err)
		}
	}
	logf("created %d images as demo (private, tag %s) for the metadata writes", len(s.own.images), ownTag)
	return true, nil
}

// deleteTagged deletes demo's images tagged by this tool.
func (s *soak) deleteTagged(ctx context.Context, logf func(string, ...any), c *gophercloud.ServiceClient) error {
	var ids []string
	err := images.List(c, images.ListOpts{Tags: []string{ownTag}, Limit: 100}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		l, err := images.ExtractImages(p)
		for _, im := range l {
			ids = append(ids, im.ID)
		}
		return true, err
	})
	if err != nil {
		return fmt.Errorf("list own images: %w", err)
	}
	for _, id := range ids {
		if err := images.Delete(ctx, c, id).ExtractErr(); err != nil && !gophercloud.ResponseCodeIs(err, 404) {
			return fmt.Errorf("delete image %s: %w", id, err)
		}
	}
	if len(ids) > 0 {
		logf("deleted %d images tagged %s", len(ids), ownTag)
	}
	return nil
}

// cleanup deletes the own images with a fresh token (the run may have
// outlived the first one), not bound to the (possibly cancelled) run context.
func (s *soak) cleanup(logf func(string, ...any)) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := imageClient(ctx, "demo")
	if err != nil {
		logf("cleanup: %v", err)
		return
	}
	if err := s.deleteTagged(ctx, logf, c); err != nil {
		logf("cleanup: %v", err)
	}
}

// warmup sends one list per user, sequentially, so the load does not start
// with every worker validating the same four tokens in Keystone at once.
func (s *soak) warmup(ctx context.Context, logf func(string, ...any)) (out []string, failed []string) {
	s.start = time.Now()
	for _, u := range users {
		r := &request{op: "warm-up", user: u, method: "GET", path: "/v2.1/images?limit=1", expect: []int{200}}
		res := s.do(ctx, r)
		line := fmt.Sprintf("%s: %d in %s ms", u, res.status, ms(res.latency))
		if res.errKind != "" {
			failed = append(failed, u)
			line += " (" + res.errKind + " " + res.errNote + ": " + truncate(string(res.respBody), 300) + ")"
		}
		logf("warm-up %s", line)
		out = append(out, line)
	}
	return out, failed
}

// load runs the timed, bounded load phase and returns the report data.
func (s *soak) load(ctx context.Context, logf func(string, ...any), stdout io.Writer) report {
	o := s.o
	col := &collector{ops: map[string]*opStats{}, errCount: map[string]int{}}
	total := int(math.Floor(o.rate * o.duration.Seconds()))
	period := float64(time.Second) / o.rate
	rep := report{started: time.Now(), target: o.target, pid: o.pid, cloudDir: o.cloudDir, duration: o.duration,
		rate: o.rate, interval: o.interval, workers: o.workers, seed: o.seed, seededCount: len(s.seeded), scheduled: total,
		growthMiB: o.growthMiB, growthPct: o.growthPct}
	for _, im := range s.own.images {
		rep.ownImages = append(rep.ownImages, im.id)
	}

	var wfail []string
	rep.warmup, wfail = s.warmup(ctx, logf)
	if len(wfail) > 0 {
		rep.notes = append(rep.notes, "warm-up failed for "+strings.Join(wfail, ", "))
	}

	logf("load: %s at %g req/s (%d requests), report every %s", o.duration, o.rate, total, o.interval)
	fmt.Fprintln(stdout, rowHeader)
	var sent atomic.Int64
	s.start = time.Now()
	loadCtx, stopLoad := context.WithTimeout(ctx, o.duration)
	defer stopLoad()

	// RSS sampler and progress lines
	samplerDone := make(chan struct{})
	stopSampler := make(chan struct{})
	var lastRSS int64
	go func() {
		defer close(samplerDone)
		sec := time.NewTicker(time.Second)
		defer sec.Stop()
		next := o.interval
		sample := func() {
			kb, err := readRSS(o.pid)
			col.mu.Lock()
			if err != nil {
				if col.rssErr == "" {
					col.rssErr = fmt.Sprintf("t=%.0fs: %v (imagegw gone?)", time.Since(s.start).Seconds(), err)
				}
			} else {
				col.rss = append(col.rss, rssSample{at: time.Since(s.start), kb: kb})
				lastRSS = kb
			}
			col.mu.Unlock()
		}
		sample()
		for {
			select {
			case <-stopSampler:
				return
			case <-sec.C:
				sample()
				if el := time.Since(s.start); el >= next {
					fmt.Fprintln(stdout, formatRow(col.row(el, lastRSS, sent.Load())))
					next += o.interval
				}
			}
		}
	}()

	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < o.workers; w++ {
		rng := rand.New(rand.NewSource(o.seed + int64(w)*7919))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				r := s.plan(rng, pickOp(rng))
				res := s.do(ctx, r)
				if r.release != nil {
					r.release(res.errKind == "")
				}
				col.add(res)
			}
		}()
	}
	timer := time.NewTimer(0)
	<-timer.C
dispatch:
	for i := 0; i < total; i++ {
		at := s.start.Add(time.Duration(float64(i) * period))
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-loadCtx.Done():
				break dispatch
			}
		}
		select {
		case jobs <- struct{}{}:
		case <-loadCtx.Done():
			break dispatch
		}
		rep.sent++
		sent.Add(1)
		lag := time.Since(at)
		rep.maxLag = max(rep.maxLag, lag)
		if lag > time.Second {
			rep.late++
		}
	}
	close(jobs)
	if ctx.Err() != nil {
		rep.notes = append(rep.notes, "interrupted")
	}
	rep.elapsed = time.Since(s.start)
	wg.Wait() // in-flight requests end within --timeout
	close(stopSampler)
	<-samplerDone
	if kb, err := readRSS(o.pid); err == nil {
		col.mu.Lock()
		col.rss = append(col.rss, rssSample{at: time.Since(s.start), kb: kb})
		lastRSS = kb
		col.mu.Unlock()
	}
	if col.cursor < len(col.results) {
		fmt.Fprintln(stdout, formatRow(col.row(time.Since(s.start), lastRSS, sent.Load())))
	}
	if col.rssErr != "" {
		rep.notes = append(rep.notes, "imagegw RSS unreadable: "+col.rssErr)
	}
	if rep.sent < rep.scheduled {
		rep.info = append(rep.info, fmt.Sprintf("only %d of %d scheduled requests were sent: all %d workers were busy (imagegw or the cloud did not keep up with the rate)", rep.sent, rep.scheduled, o.workers))
	}
	rep.info = append(rep.info, fmt.Sprintf("client: %s on %d CPUs, imagegw and the cloud on the same machine", runtime.Version(), runtime.NumCPU()))
	rep.rows, rep.ops, rep.errs, rep.errCount, rep.rss, rep.rssErr = col.rows, col.ops, col.errs, col.errCount, col.rss, col.rssErr
	return rep
}
