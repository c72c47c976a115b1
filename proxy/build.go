package proxy

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
)

// redisTimeout bounds each Redis command: a Redis that stops answering
// must not hold a request (its cache is bypassed, its writes go on
// uncoordinated or get strict mode's 503).
const redisTimeout = time.Second

// Build assembles the Server from configuration as the imagegw binary
// runs it (the e2e tests build theirs the same way): imagegw's service
// user logged in at Keystone, tokens validated through a CachedValidator,
// Glance through gophercloud with the read retry, readiness probing both.
// httpClient makes every Keystone and Glance call (its Timeout is
// upstream_timeout).
func Build(ctx context.Context, cfg config.Config, log *zap.Logger, httpClient *http.Client) (*Server, *upstream.Keystone, error) {
	ks, err := upstream.NewKeystone(ctx, upstream.KeystoneOptions{Cloud: cfg.Cloud, Service: cfg.Service,
		URL: cfg.KeystoneURL, HTTPClient: httpClient})
	if err != nil {
		return nil, nil, err
	}
	probe, err := upstream.NewUpstreamProbe(ctx, ks, cfg.GlanceURL, cfg.Region, cfg.Interface)
	if err != nil {
		return nil, nil, err
	}
	var coord *upstream.Coordinator
	var tokens upstream.TokenValidator = ks
	if cfg.RedisURL != "" {
		if coord, err = upstream.NewCoordinator(cfg.RedisURL, redisTimeout); err != nil {
			return nil, nil, err
		}
		tokens = &upstream.SharedValidator{Next: ks, Coord: coord, TTL: cfg.TokenCacheTTL}
	}
	srv, err := New(Deps{
		Config:  cfg,
		Tokens:  upstream.NewCachedValidator(tokens, cfg.TokenCacheTTL).CacheInvalid(cfg.InvalidTokenCacheTTL, cfg.InvalidTokenCacheMax),
		Glance:  &upstream.GophercloudGlance{HTTPClient: httpClient, UserAgent: "imagegw", RetryBackoff: cfg.UpstreamRetryBackoff},
		Log:     log,
		AuthURI: ks.AuthURI,
		// the migration report names projects as imagegw's service user may read them
		Projects: ks,
		Ready:    probe,
	})
	if err != nil {
		return nil, nil, err
	}
	if coord != nil {
		srv.Coordinate(coord)
	}
	if err := frontNovas(srv, cfg); err != nil {
		return nil, nil, err
	}
	if cfg.NotificationsURL != "" {
		srv.Subscribe(&upstream.Subscriber{URL: cfg.NotificationsURL, Exchange: cfg.NotificationsExchange,
			Topic: cfg.NotificationsTopic, MaxBackoff: 5 * time.Second})
	}
	return srv, ks, nil
}

// frontNovas puts each front with a Nova (nova_url, or a region's) in
// front of it.
func frontNovas(srv *Server, cfg config.Config) error {
	for _, f := range srv.fronts {
		if f.novaURL == "" {
			continue
		}
		nova, err := upstream.NewNova(f.novaURL, cfg.UpstreamTimeout)
		if err != nil {
			return err
		}
		srv.frontNova(f, nova)
	}
	return nil
}
