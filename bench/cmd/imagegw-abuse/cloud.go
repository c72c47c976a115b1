package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
)

// cloud is what the scenarios know of scripts/cloud: its endpoints, the
// projects, the seeded images and one token per user.
type cloud struct {
	dir      string
	keystone string // KEYSTONE_URL (with /v3)
	glance   string
	projects map[string]string // user name → project id
	images   map[string]string // seeded image name → id
	mu       sync.Mutex
	tokens   map[string]string
}

func loadCloud(ctx context.Context, dir string) (*cloud, error) {
	env, err := readEnvFile(filepath.Join(dir, "cloud.env"))
	if err != nil {
		return nil, err
	}
	c := &cloud{dir: dir, keystone: env["KEYSTONE_URL"], glance: env["GLANCE_URL"],
		projects: map[string]string{}, images: map[string]string{}, tokens: map[string]string{}}
	for _, u := range []string{"admin", "demo", "alt", "other"} {
		c.projects[u] = env["PROJECT_"+strings.ToUpper(u)]
	}
	for _, u := range []string{c.keystone, c.glance} {
		if err := loopbackURL(u); err != nil {
			return nil, fmt.Errorf("cloud.env: %w", err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "seed.json"))
	if err != nil {
		return nil, err
	}
	var seed struct {
		Images map[string]struct {
			ID string `json:"id"`
		} `json:"images"`
	}
	if err := json.Unmarshal(b, &seed); err != nil {
		return nil, fmt.Errorf("seed.json: %w", err)
	}
	for name, im := range seed.Images {
		c.images[name] = im.ID
	}
	if c.images["ref-active"] == "" {
		return nil, fmt.Errorf("seed.json: no ref-active image (is the cloud seeded?)")
	}
	return c, nil
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return env, sc.Err()
}

// freshToken authenticates user (its clouds.yaml entry) and returns a new
// project-scoped token.
func freshToken(ctx context.Context, user string) (string, error) {
	ao, _, _, err := clouds.Parse(clouds.WithCloudName(user))
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pc, err := openstack.AuthenticatedClient(ctx, ao)
	if err != nil {
		return "", fmt.Errorf("token for %s: %w", user, err)
	}
	return pc.Token(), nil
}

// token is user's token, obtained once per process.
func (c *cloud) token(ctx context.Context, user string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tokens[user]; t != "" {
		return t, nil
	}
	t, err := freshToken(ctx, user)
	if err == nil {
		c.tokens[user] = t
	}
	return t, err
}

// client is every scenario's HTTP client: enough idle connections for the
// concurrency used, and a bound on each exchange.
var client = &http.Client{
	Timeout:   60 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
}

// answer is one HTTP exchange's outcome.
type answer struct {
	status int
	body   []byte
	took   time.Duration
	err    error
}

// call sends one request with the shared client; token "" sends none.
func call(ctx context.Context, method, url, token string, body []byte) answer {
	return callWith(ctx, client, method, url, token, body)
}

// callWith sends one request with cl.
func callWith(ctx context.Context, cl *http.Client, method, url, token string, body []byte) answer {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return answer{err: err}
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	res, err := cl.Do(req)
	if err != nil {
		return answer{err: err, took: time.Since(start)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	return answer{status: res.StatusCode, body: b, took: time.Since(start), err: err}
}

// what is an answer in a few words: its status or its error.
func (a answer) what() string {
	if a.err != nil {
		return "error: " + shorten(a.err.Error(), 160)
	}
	return fmt.Sprint(a.status)
}

// createImage creates a demo image directly in Glance and returns its id.
func (c *cloud) createImage(ctx context.Context, name string) (string, error) {
	tok, err := c.token(ctx, "demo")
	if err != nil {
		return "", err
	}
	body := fmt.Sprintf(`{"name":%q,"disk_format":"raw","container_format":"bare"}`, name)
	a := call(ctx, "POST", c.glance+"/v2/images", tok, []byte(body))
	if a.err != nil || a.status != http.StatusCreated {
		return "", fmt.Errorf("glance create %s: %s %s", name, a.what(), shorten(string(a.body), 200))
	}
	var im struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.body, &im); err != nil || im.ID == "" {
		return "", fmt.Errorf("glance create %s: no id in %s", name, shorten(string(a.body), 200))
	}
	return im.ID, nil
}

// glanceImage reads an image directly from Glance as demo (nil: not 200).
func (c *cloud) glanceImage(ctx context.Context, id string) (map[string]any, answer) {
	tok, err := c.token(ctx, "demo")
	if err != nil {
		return nil, answer{err: err}
	}
	a := call(ctx, "GET", c.glance+"/v2/images/"+id, tok, nil)
	if a.err != nil || a.status != http.StatusOK {
		return nil, a
	}
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		return nil, answer{err: err}
	}
	return m, a
}

// deleteImage removes a demo image through Glance (404 is fine).
func (c *cloud) deleteImage(ctx context.Context, id string) {
	tok, err := c.token(ctx, "demo")
	if err != nil || id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	a := call(ctx, "DELETE", c.glance+"/v2/images/"+id, tok, nil)
	if a.err != nil || (a.status != http.StatusNoContent && a.status != http.StatusNotFound) {
		fmt.Fprintf(os.Stderr, "imagegw-abuse: cleanup of image %s: %s\n", id, a.what())
	}
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func randomUUID() string {
	h := randomHex(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// tally counts outcomes ("404", "error: ...") safely across goroutines.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func (t *tally) add(k string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int{}
	}
	t.n[k]++
}

// String is "404×11990, 500×10", most frequent first.
func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]string, 0, len(t.n))
	for k := range t.n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if t.n[keys[i]] != t.n[keys[j]] {
			return t.n[keys[i]] > t.n[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, t.n[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// mdCell makes s safe inside a markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r", ""), "\n", " ")
}
