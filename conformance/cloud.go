package conformance

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Users of the test cloud that have a clouds.yaml entry (password users).
var Users = []string{"demo", "alt", "admin", "other", "reader"}

// Pseudo users of the matrix: no X-Auth-Token at all, or an invalid one.
const (
	UserNone = ""
	UserBad  = "bad"
)

// BadToken is the X-Auth-Token sent for UserBad.
const BadToken = "gAAAAABinvalid-token-imagegw-conformance"

// UserProject is the project each user's token is scoped to.
var UserProject = map[string]string{
	"demo": "demo", "alt": "alt", "admin": "admin", "other": "other", "reader": "demo",
	UserNone: "demo", UserBad: "demo",
}

// Cloud is what the matrix needs to know about one test cloud (a state dir
// of scripts/cloud/up.sh): its URLs and the ids from seed.json.
type Cloud struct {
	Dir          string
	KeystoneURL  string // with /v3
	GlanceURL    string
	CloudsYAML   string
	Projects     map[string]string // project name -> id
	Images       map[string]string // seeded image name -> id
	InstanceUUID string
}

// KeystoneRoot is the Keystone URL without the /v3 suffix (what
// keystonemiddleware puts in WWW-Authenticate).
func (c *Cloud) KeystoneRoot() string {
	return strings.TrimSuffix(strings.TrimRight(c.KeystoneURL, "/"), "/v3")
}

// LoadCloud reads dir/cloud.env and dir/seed.json.
func LoadCloud(dir string) (*Cloud, error) {
	env, err := ReadEnvFile(filepath.Join(dir, "cloud.env"))
	if err != nil {
		return nil, err
	}
	c := &Cloud{
		Dir:         dir,
		KeystoneURL: env["KEYSTONE_URL"],
		GlanceURL:   strings.TrimRight(env["GLANCE_URL"], "/"),
		CloudsYAML:  env["CLOUDS_YAML"],
	}
	if c.CloudsYAML == "" {
		c.CloudsYAML = filepath.Join(dir, "clouds.yaml")
	}
	if c.KeystoneURL == "" || c.GlanceURL == "" {
		return nil, fmt.Errorf("%s/cloud.env: KEYSTONE_URL or GLANCE_URL missing", dir)
	}
	if err := c.loadSeed(filepath.Join(dir, "seed.json")); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Cloud) loadSeed(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var seed struct {
		Projects     map[string]string `json:"projects"`
		InstanceUUID string            `json:"instance_uuid"`
		Images       map[string]struct {
			ID string `json:"id"`
		} `json:"images"`
	}
	if err := json.Unmarshal(b, &seed); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	c.Projects = seed.Projects
	c.InstanceUUID = seed.InstanceUUID
	c.Images = map[string]string{}
	for name, im := range seed.Images {
		c.Images[name] = im.ID
	}
	if len(c.Projects) == 0 || len(c.Images) == 0 {
		return fmt.Errorf("%s: no projects or images (run scripts/cloud/seed.py)", path)
	}
	return nil
}

// ReadEnvFile reads a KEY=value file such as scripts/cloud's cloud.env.
func ReadEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok {
			out[k] = strings.Trim(v, `"'`)
		}
	}
	return out, sc.Err()
}

// FetchTokens gets a project-scoped token for each user from the clouds.yaml
// entry of the same name.
func FetchTokens(ctx context.Context, cloudsYAML string, users []string) (map[string]string, error) {
	out := map[string]string{}
	for _, u := range users {
		s, err := Login(ctx, u, 60*time.Second, cloudsYAML)
		if err != nil {
			return nil, fmt.Errorf("token for %s: %w", u, err)
		}
		out[u] = s.Token
	}
	return out, nil
}

// ResetSeed runs `python script --reset` with IMAGEGW_CLOUD_DIR=dir: every
// image is deleted and the sample images are re-created with their fixed ids.
func ResetSeed(ctx context.Context, python, script, dir string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, python, script, "--reset")
	cmd.Env = append(os.Environ(), "IMAGEGW_CLOUD_DIR="+dir)
	// the cloud's ports come from dir/cloud.env, not from a caller's env
	cmd.Env = append(cmd.Env, "IMAGEGW_KEYSTONE_PORT=", "IMAGEGW_GLANCE_PORT=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s --reset: %w\n%s", python, script, err, out)
	}
	return out, nil
}
