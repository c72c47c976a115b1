package conformance

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedNames are the images of scripts/cloud/seed.py.
var seedNames = func() []string {
	n := []string{"ref-active", "ref-queued", "ref-queued-with-formats", "ref-snapshot", "ref-autodisk-true",
		"ref-autodisk-false", "ref-autodisk-invalid", "ref-custom-props", "ref-minram-mindisk", "ref-minram-big",
		"ref-protected", "ref-hidden", "ref-tagged", "ref-noname", "ref-dup-name-a", "ref-dup-name-b",
		"ref-deactivated", "ref-uploading", "ref-shared-to-alt-accepted", "ref-shared-to-alt-pending",
		"ref-private-explicit", "ref-community-demo", "ref-meta-target", "ref-meta-put-all", "ref-meta-put-item",
		"ref-meta-delete-item", "ref-meta-quota", "ref-meta-126",
		"ref-alt-private", "ref-alt-shared-to-demo-accepted", "ref-alt-shared-to-demo-pending", "ref-alt-community",
		"ref-admin-public", "ref-admin-public-protected", "ref-admin-public-snapshot", "ref-admin-private",
		"ref-other-private", "ref-other-public"}
	for _, d := range []string{"none", "v2.1", "v2.35", "compute-2.35", "project-path", "legacy-v2", "admin",
		"deactivated", "queued", "never", "uwsgi"} {
		n = append(n, "ref-del-"+d)
	}
	for i := 0; i < 20; i++ {
		n = append(n, "ref-page-"+string(rune('0'+i/10))+string(rune('0'+i%10)))
	}
	return n
}()

func fakeCloud() *Cloud {
	c := &Cloud{
		KeystoneURL: "http://127.0.0.1:25000/v3", GlanceURL: "http://127.0.0.1:29292",
		Projects: map[string]string{
			"admin": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "demo": "dddddddddddddddddddddddddddddddd",
			"alt": "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", "other": "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f",
			"service": "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e",
		},
		Images:       map[string]string{},
		InstanceUUID: "9d3f8a51-6a37-4f56-8a8c-1f1ac5a0c0de",
	}
	for i, n := range seedNames {
		c.Images[n] = strings.Replace("00000000-0000-4000-8000-0000000000xx", "xx", string(rune('a'+i/26))+string(rune('a'+i%26)), 1)
	}
	return c
}

func TestMatrixNamesUniqueAndStable(t *testing.T) {
	cases := Matrix()
	require.GreaterOrEqual(t, len(cases), 500, "several hundred cases")
	names := map[string]bool{}
	files := map[string]string{}
	for _, c := range cases {
		require.False(t, names[c.Name], "duplicate case %s", c.Name)
		names[c.Name] = true
		f := FileName(c.Name)
		require.Regexp(t, `^[A-Za-z0-9._-]+\.json$`, f)
		require.LessOrEqual(t, len(f), 120)
		if other, dup := files[f]; dup {
			t.Fatalf("cases %s and %s share the file %s", c.Name, other, f)
		}
		files[f] = c.Name
		require.True(t, strings.HasPrefix(c.Name, c.Route+"/"), c.Name)
		require.NotEmpty(t, c.Method, c.Name)
		require.True(t, strings.HasPrefix(c.Path, "/"), c.Name)
		require.Contains(t, []string{"demo", "alt", "admin", "other", "reader", UserNone, UserBad}, c.User, c.Name)
	}
	// the same matrix every time (order included)
	again := Matrix()
	require.Equal(t, len(cases), len(again))
	for i := range cases {
		require.Equal(t, cases[i].Name, again[i].Name)
	}
}

func TestMatrixPlaceholdersResolve(t *testing.T) {
	c := fakeCloud()
	for _, k := range Matrix() {
		p, err := c.Resolve(k.Path)
		require.NoError(t, err, k.Name)
		require.NotContains(t, p, "{", k.Name)
		for _, h := range k.Headers {
			_, err := c.Resolve(h.Value)
			require.NoError(t, err, k.Name)
		}
		if k.Body != nil {
			_, err := c.Resolve(*k.Body)
			require.NoError(t, err, k.Name)
		}
	}
}

func TestMatrixCoverage(t *testing.T) {
	cases := Matrix()
	type key struct{ route, mv string }
	seen := map[key]int{}
	users := map[string]int{}
	forms := map[string]int{}
	methods := map[string]int{}
	for _, c := range cases {
		seen[key{c.Route, c.MV}]++
		users[c.User]++
		methods[c.Method]++
		for _, f := range []string{"/v2.1/{project:", "/v2/{project:", "/v2.1/", "/v2/"} {
			if strings.HasPrefix(c.Path, f) {
				forms[f]++
				break
			}
		}
	}
	apiRoutes := []string{RouteList, RouteDetail, RouteShow, RouteDelete, RouteMetaIndex, RouteMetaShow,
		RouteMetaCreate, RouteMetaAll, RouteMetaUpdate, RouteMetaDelete}
	for _, r := range apiRoutes {
		for _, mv := range []string{MVNone, "2.1", "2.35", "2.36", "2.38", "2.39", "latest", MVMalformed, MVOutOfRange} {
			assert.Positive(t, seen[key{r, mv}], "no %s case at microversion class %s", r, mv)
		}
	}
	for _, u := range []string{"demo", "alt", "admin", "other", "reader", UserNone, UserBad} {
		assert.Positive(t, users[u], "no case for user %q", u)
	}
	for f, n := range forms {
		assert.Positive(t, n, f)
	}
	assert.Len(t, forms, 4, "all four URL forms")
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"} {
		assert.Positive(t, methods[m], m)
	}
	for _, r := range []string{RouteVersions, RouteChoices, RouteRouter} {
		assert.Positive(t, seen[key{r, MVNone}]+seen[key{r, "2.35"}], r)
	}
}

// Reads must come before the writes that change what they read: the
// deletes of ref-del-* images come after every read that is not explicitly
// an "after" check, and metadata writes only touch dedicated images.
func TestMatrixOrder(t *testing.T) {
	cases := Matrix()
	firstDelete, lastRead := -1, -1
	for i, c := range cases {
		if c.Method == "DELETE" && c.Route == RouteDelete && strings.Contains(c.Path, "{image:ref-del-") &&
			!strings.Contains(c.Path, "ref-del-never") && firstDelete < 0 {
			firstDelete = i
		}
		if c.Method == "GET" && !strings.Contains(c.Name, "after") && !strings.Contains(c.Name, "deleted-image") {
			lastRead = i
		}
	}
	require.Positive(t, firstDelete)
	assert.Less(t, lastRead, firstDelete, "a plain read (%s) after the first delete (%s)", cases[lastRead].Name, cases[firstDelete].Name)

	// demo-owned images that writes may change
	writable := regexp.MustCompile(`\{image:(ref-meta-[a-z0-9-]+|ref-protected|ref-deactivated|ref-queued|ref-del-[a-z0-9.-]+)\}`)
	demoOwned := regexp.MustCompile(`\{image:ref-(active|snapshot|autodisk|custom|minram|hidden|tagged|noname|dup|uploading|shared|private|community|page)[a-z0-9-]*\}`)
	metaWrite := map[string]bool{RouteMetaCreate: true, RouteMetaAll: true, RouteMetaUpdate: true, RouteMetaDelete: true}
	firstWrite := -1
	for i, c := range cases {
		if !metaWrite[c.Route] || c.Method == "GET" {
			continue
		}
		if c.User == "demo" || c.User == "admin" || c.User == "reader" {
			if demoOwned.MatchString(c.Path) {
				// only requests that fail before writing may touch other demo images
				assert.Contains(t, []string{"shared-not-owned"}, lastSegment(c.Name), "write on a non-dedicated image: %s", c.Name)
			}
		}
		if writable.MatchString(c.Path) && strings.Contains(c.Name, "/ref-meta-target/merge") && firstWrite < 0 {
			firstWrite = i
		}
	}
	require.Positive(t, firstWrite)
	for _, c := range cases[firstWrite:] {
		if c.Method == "GET" && (c.Route == RouteMetaIndex || c.Route == RouteMetaShow) && strings.Contains(c.Path, "ref-meta-target") {
			assert.Contains(t, c.Name, "after", "read of ref-meta-target after its writes must say so: %s", c.Name)
		}
	}
}

func lastSegment(name string) string { return name[strings.LastIndex(name, "/")+1:] }

func TestClassOf(t *testing.T) {
	for v, want := range map[string]string{
		"2.1": "2.1", "2.35": "2.35", "latest": "latest", "2.93": MVOther, "2.3": MVOther,
		"2.abc": MVMalformed, "": MVMalformed, "LATEST": MVMalformed, "2": MVMalformed, "0.9": MVMalformed,
		"3.0": MVOutOfRange, "2.0": MVOutOfRange, "2.94": MVOutOfRange, "1.9": MVOutOfRange,
		"99999999999999999999.1": MVOutOfRange, "2.9999": MVOutOfRange,
	} {
		assert.Equal(t, want, classOf(v), v)
	}
}

func TestResolve(t *testing.T) {
	c := fakeCloud()
	id := c.Images["ref-active"]
	got, err := c.Resolve("/v2.1/{project:demo}/images/{image:ref-active}?x={image-upper:ref-active}&y={image-nodash:ref-active}&s={instance_uuid}")
	require.NoError(t, err)
	assert.Equal(t, "/v2.1/"+c.Projects["demo"]+"/images/"+id+"?x="+strings.ToUpper(id)+"&y="+strings.ReplaceAll(id, "-", "")+
		"&s="+c.InstanceUUID, got)
	_, err = c.Resolve("/images/{image:no-such}")
	assert.ErrorContains(t, err, "{image:no-such}")
	_, err = c.Resolve("/{project:nobody}")
	assert.Error(t, err)
	// JSON braces are not placeholders
	got, err = c.Resolve(`{"metadata": {"a": "1"}}`)
	require.NoError(t, err)
	assert.Equal(t, `{"metadata": {"a": "1"}}`, got)
	assert.Equal(t, []string{"{project:demo}", "{image:x}"}, Placeholders("/{project:demo}/{image:x}/{nope}"))
}

func TestFileName(t *testing.T) {
	a := FileName("images.list/v2.1/mv-2.35/demo/limit=2")
	b := FileName("images.list/v2.1/mv-2.35/demo/limit_2")
	assert.NotEqual(t, a, b, "the hash keeps similar names apart")
	assert.Regexp(t, `^images\.list_v2\.1_mv-2\.35_demo_limit_2\.[0-9a-f]{8}\.json$`, a)
	assert.Equal(t, a, FileName("images.list/v2.1/mv-2.35/demo/limit=2"), "stable")
	long := FileName(strings.Repeat("x", 500))
	assert.LessOrEqual(t, len(long), 120)
}
