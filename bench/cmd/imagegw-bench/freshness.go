package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// freshnessConfig holds freshness's flags.
type freshnessConfig struct {
	keystone, gateway, metrics, mv, run, label string
	trials                                     int
	pause                                      time.Duration
}

// party is one user of the bench cloud: a Glance client and the token
// that reads through imagegw.
type party struct {
	glance           *gophercloud.ServiceClient
	token, projectID string
}

// freshness measures how long a change made in Glance directly stays
// invisible through an imagegw subscribed to Glance's notifications (issue
// 16): a steady stream of changes of four kinds (a property, a delete, a
// member removal, a create), each made through Glance after imagegw has
// cached the old answer; then imagegw is read until it answers the new
// state. One record per kind: the time from Glance's answer to imagegw's
// first fresh answer, and the stale answers imagegw gave after Glance had
// answered (the "access first" window of a member removal).
func freshness(args []string) error {
	cfg, err := parseFreshnessFlags(args)
	if err != nil {
		return err
	}
	ctx := context.Background()
	owner, err := login(ctx, cfg.keystone, "demo")
	if err != nil {
		return err
	}
	member, err := login(ctx, cfg.keystone, "alt")
	if err != nil {
		return err
	}
	f := &freshRun{cfg: cfg, owner: owner, member: member, http: &http.Client{Timeout: 10 * time.Second}}
	defer f.cleanup(ctx)
	if err := f.fixtures(ctx); err != nil {
		return err
	}
	before, err := scrapeHistogram(f.http, cfg.metrics, "imagegw_notification_lag_seconds")
	if err != nil {
		return err
	}
	start := time.Now()
	out := f.stream(ctx)
	elapsed := time.Since(start).Seconds()
	after, err := scrapeHistogram(f.http, cfg.metrics, "imagegw_notification_lag_seconds")
	if err != nil {
		return err
	}
	for _, kind := range trialKinds {
		rec := freshnessRecord(kind, out[kind])
		rec.Case = cfg.label
		raw, _ := json.Marshal(rec)
		fmt.Printf("BENCH_JSON %s\n", raw)
	}
	printLagFacts(cfg.label, after.minus(before), float64(f.changes)/elapsed)
	return nil
}

func parseFreshnessFlags(args []string) (*freshnessConfig, error) {
	fs := flag.NewFlagSet("freshness", flag.ExitOnError)
	keystone := fs.String("keystone", "", "Keystone v3 URL (users demo and alt, password secret)")
	gateway := fs.String("imagegw", "", "imagegw URL, subscribed to Glance's notifications")
	metrics := fs.String("metrics", "", "that imagegw's /metrics URL")
	mv := fs.String("microversion", "2.35", "X-OpenStack-Nova-API-Version of the reads")
	trials := fs.Int("trials", 50, "trials of each kind")
	pause := fs.Duration("pause", 20*time.Millisecond, "pause between two trials")
	label := fs.String("label", "quiet", "the records' case: what else loads imagegw meanwhile")
	_ = fs.Parse(args)
	if *keystone == "" || *gateway == "" || *metrics == "" {
		return nil, errors.New("freshness: -keystone, -imagegw and -metrics are required")
	}
	return &freshnessConfig{keystone: *keystone, gateway: *gateway, metrics: *metrics, mv: *mv,
		trials: *trials, pause: *pause, label: *label, run: fmt.Sprintf("fresh-%d", time.Now().UnixNano())}, nil
}

// login returns user's party in the project of the same name.
func login(ctx context.Context, keystone, user string) (party, error) {
	p, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: keystone, Username: user, Password: "secret", DomainID: "default",
		Scope: &gophercloud.AuthScope{ProjectName: user, DomainID: "default"},
	})
	if err != nil {
		return party{}, fmt.Errorf("freshness: login %s: %w", user, err)
	}
	g, err := openstack.NewImageV2(p, gophercloud.EndpointOpts{})
	if err != nil {
		return party{}, err
	}
	res, ok := p.GetAuthResult().(tokens.CreateResult)
	if !ok {
		return party{}, errors.New("freshness: not a Keystone v3 token")
	}
	proj, err := res.ExtractProject()
	if err != nil || proj == nil {
		return party{}, fmt.Errorf("freshness: project of %s: %v", user, err)
	}
	tok, err := res.ExtractTokenID()
	return party{glance: g, token: tok, projectID: proj.ID}, err
}

// trialResult is one trial: the time from Glance's answer to imagegw's
// first fresh answer, and the stale answers in between.
type trialResult struct {
	lag   time.Duration
	stale int
	err   error
}

func freshnessRecord(kind string, rs []trialResult) Record {
	rec := Record{Kind: "freshness", Name: kind}
	var lags []float64
	for _, r := range rs {
		rec.Trials++
		if r.err != nil {
			rec.Failed++
			if rec.FirstError == "" {
				rec.FirstError = r.err.Error()
			}
			continue
		}
		lags = append(lags, float64(r.lag.Microseconds())/1000)
		rec.StaleReads += int64(r.stale)
		if r.stale > 0 {
			rec.StaleTrials++
		}
	}
	sort.Float64s(lags)
	if len(lags) > 0 {
		rec.P50MS, rec.P99MS, rec.MaxMS = quantile(lags, 0.5), quantile(lags, 0.99), lags[len(lags)-1]
	}
	return rec
}

// printLagFacts prints imagegw's own lag histogram over the run (Glance's
// notification timestamp to the invalidation) as facts.
func printLagFacts(label string, h histogram, rate float64) {
	fact := func(name string, v float64) {
		raw, _ := json.Marshal(Record{Kind: "fact", Name: label + "-" + name, Value: v})
		fmt.Printf("BENCH_JSON %s\n", raw)
	}
	fact("freshness-changes-per-s", rate)
	fact("notification-lag-count", h.count)
	if h.count > 0 {
		fact("notification-lag-mean-ms", 1000*h.sum/h.count)
		fact("notification-lag-p50-le-ms", 1000*h.quantileBound(0.5))
		fact("notification-lag-p99-le-ms", 1000*h.quantileBound(0.99))
	}
}
