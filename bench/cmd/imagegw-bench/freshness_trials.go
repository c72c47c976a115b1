package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/members"
)

// trialKinds in the order the stream runs them and the report lists them.
var trialKinds = []string{"property", "delete", "unshare", "create"}

// staleFor bounds one trial: imagegw still stale after it is a failure.
const staleFor = 5 * time.Second

// freshRun is one freshness run: its fixtures and its counts.
type freshRun struct {
	cfg           *freshnessConfig
	owner, member party
	http          *http.Client
	propImage     string // demo's private image with property "fresh"
	shareImage    string // demo's shared image, shared with alt and un-shared again
	created       []string
	changes       int // writes made to Glance
}

func (f *freshRun) fixtures(ctx context.Context) error {
	shared := images.ImageVisibilityShared
	for _, fx := range []struct {
		id   *string
		opts images.CreateOpts
	}{
		{&f.propImage, images.CreateOpts{Name: f.cfg.run + "-prop", Properties: map[string]string{"fresh": "0"}}},
		{&f.shareImage, images.CreateOpts{Name: f.cfg.run + "-share", Visibility: &shared}},
	} {
		img, err := images.Create(ctx, f.owner.glance, fx.opts).Extract()
		if err != nil {
			return fmt.Errorf("freshness: fixture %s: %w", fx.opts.Name, err)
		}
		*fx.id = img.ID
		f.created = append(f.created, img.ID)
	}
	return nil
}

func (f *freshRun) cleanup(ctx context.Context) {
	for _, id := range f.created {
		_ = images.Delete(ctx, f.owner.glance, id).ExtractErr()
	}
}

// stream runs the trials round robin, kinds interleaved, a pause apart.
func (f *freshRun) stream(ctx context.Context) map[string][]trialResult {
	out := map[string][]trialResult{}
	run := map[string]func(context.Context, int) trialResult{
		"property": f.property, "delete": f.delete, "unshare": f.unshare, "create": f.create,
	}
	for i := 1; i <= f.cfg.trials; i++ {
		for _, kind := range trialKinds {
			out[kind] = append(out[kind], run[kind](ctx, i))
			time.Sleep(f.cfg.pause)
		}
	}
	return out
}

// property: demo reads a metadata item through imagegw, changes it in Glance.
func (f *freshRun) property(ctx context.Context, i int) trialResult {
	path := "/v2.1/images/" + f.propImage + "/metadata/fresh"
	if _, _, err := f.get(f.owner, path); err != nil {
		return trialResult{err: err}
	}
	want := strconv.Itoa(i)
	f.changes++
	if err := images.Update(ctx, f.owner.glance, f.propImage, images.UpdateOpts{
		images.UpdateImageProperty{Op: images.ReplaceOp, Name: "fresh", Value: want},
	}).Err; err != nil {
		return trialResult{err: err}
	}
	return f.poll(f.owner, path, func(code int, body []byte) bool {
		var m struct{ Meta map[string]string }
		return code == 200 && json.Unmarshal(body, &m) == nil && m.Meta["fresh"] == want
	})
}

// delete: demo reads a new image through imagegw, deletes it in Glance.
func (f *freshRun) delete(ctx context.Context, i int) trialResult {
	img, err := images.Create(ctx, f.owner.glance, images.CreateOpts{Name: fmt.Sprintf("%s-del-%d", f.cfg.run, i)}).Extract()
	if err != nil {
		return trialResult{err: err}
	}
	f.created = append(f.created, img.ID)
	path := "/v2.1/images/" + img.ID
	if r := f.pollFor(f.owner, path, 200); r.err != nil {
		return r
	}
	f.changes += 2
	if err := images.Delete(ctx, f.owner.glance, img.ID).ExtractErr(); err != nil {
		return trialResult{err: err}
	}
	return f.pollFor(f.owner, path, 404)
}

// unshare: alt accepts demo's image, reads it through imagegw, and demo
// removes alt from the image's members in Glance: alt must get 404.
func (f *freshRun) unshare(ctx context.Context, _ int) trialResult {
	if _, err := members.Create(ctx, f.owner.glance, f.shareImage, f.member.projectID).Extract(); err != nil {
		return trialResult{err: err}
	}
	if _, err := members.Update(ctx, f.member.glance, f.shareImage, f.member.projectID, members.UpdateOpts{Status: "accepted"}).Extract(); err != nil {
		return trialResult{err: err}
	}
	path := "/v2.1/images/" + f.shareImage
	if r := f.pollFor(f.member, path, 200); r.err != nil {
		return r
	}
	f.changes += 3
	if err := members.Delete(ctx, f.owner.glance, f.shareImage, f.member.projectID).ExtractErr(); err != nil {
		return trialResult{err: err}
	}
	return f.pollFor(f.member, path, 404)
}

// create: demo lists images by a new name through imagegw (none), then
// creates one in Glance: the list must show it.
func (f *freshRun) create(ctx context.Context, i int) trialResult {
	name := fmt.Sprintf("%s-new-%d", f.cfg.run, i)
	path := "/v2.1/images?name=" + name
	if _, _, err := f.get(f.owner, path); err != nil {
		return trialResult{err: err}
	}
	f.changes++
	img, err := images.Create(ctx, f.owner.glance, images.CreateOpts{Name: name}).Extract()
	if err != nil {
		return trialResult{err: err}
	}
	f.created = append(f.created, img.ID)
	return f.poll(f.owner, path, func(code int, body []byte) bool {
		return code == 200 && bytes.Contains(body, []byte(img.ID))
	})
}

// pollFor reads until imagegw answers status code.
func (f *freshRun) pollFor(p party, path string, code int) trialResult {
	return f.poll(p, path, func(c int, _ []byte) bool { return c == code })
}

// poll reads path through imagegw until fresh says the answer is new; the
// clock starts now, that is when Glance has answered the change.
func (f *freshRun) poll(p party, path string, fresh func(int, []byte) bool) trialResult {
	start := time.Now()
	stale := 0
	for time.Since(start) < staleFor {
		code, body, err := f.get(p, path)
		if err != nil {
			return trialResult{err: err}
		}
		if fresh(code, body) {
			return trialResult{lag: time.Since(start), stale: stale}
		}
		stale++
	}
	return trialResult{err: fmt.Errorf("%s: still stale after %s (%d reads)", path, staleFor, stale)}
}

func (f *freshRun) get(p party, path string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, f.cfg.gateway+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-Auth-Token", p.token)
	req.Header.Set("X-OpenStack-Nova-API-Version", f.cfg.mv)
	resp, err := f.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}
