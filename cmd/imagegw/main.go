// Command imagegw serves Nova's deprecated image proxy API in front of
// Glance v2. This file only wires the packages together.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy"
	"github.com/imagegw/imagegw/proxy/upstream"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "imagegw:", err)
		os.Exit(1)
	}
}

// newLogger writes JSON lines to stderr through a buffer flushed every
// second and by Sync at exit (one write(2) per request line cost ~10 µs of
// the ~90 µs CPU of a cache hit in make bench's profile), without caller
// lookup.
func newLogger(level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, err
	}
	ec := zap.NewProductionEncoderConfig()
	ec.TimeKey = "time"
	ec.EncodeTime = zapcore.ISO8601TimeEncoder
	out := &zapcore.BufferedWriteSyncer{WS: zapcore.Lock(os.Stderr), Size: 256 << 10, FlushInterval: time.Second}
	return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(ec), out, lvl), zap.ErrorOutput(zapcore.Lock(os.Stderr))), nil
}

// run wires the process. The environment is read here only to hand it to
// config.Load (which alone interprets it, OS_* credentials included) and
// for GOGC, which belongs to the Go runtime, not to imagegw's keys.
func run(args []string) error {
	cfg, err := config.Load(args, os.Getenv, os.Stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.LogLevel)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	if os.Getenv("GOGC") == "" && cfg.GCMinHeadroom > 0 {
		defer StartGCTuner(uint64(cfg.GCMinHeadroom)).Stop()
	}

	httpClient := upstream.NewUpstreamClient(cfg.UpstreamTimeout)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	srv, ks, err := proxy.Build(ctx, cfg, log, httpClient)
	if err != nil {
		return err
	}
	defer srv.Close()
	// Requests run under base: when shutdown_grace is over, the ones still
	// in flight are cancelled with proxy.ErrShuttingDown and answered 503.
	base, cancelBase := context.WithCancelCause(context.Background())
	defer cancelBase(nil)
	hs, ops := newServers(cfg, srv, base, log)
	errc := make(chan error, 2)
	go func() { errc <- hs.ListenAndServe() }()
	if ops != nil {
		go func() { errc <- ops.ListenAndServe() }()
		log.Info("operator endpoints listening", zap.String("operator_listen", cfg.OperatorListen))
	}
	log.Info("imagegw listening", zap.String("listen", cfg.Listen), zap.String("keystone", ks.AuthURI),
		zap.String("max_version", cfg.MaxVersion), zap.String("images_max_version", cfg.ImagesMaxVersion),
		zap.String("metadata_max_version", cfg.MetadataMaxVersion))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutdown(cfg.ShutdownGrace, hs, ops, cancelBase, log)
}

// newServers builds the API server and, when operator_listen is set, the
// operator one (nil otherwise).
func newServers(cfg config.Config, srv *proxy.Server, base context.Context, log *zap.Logger) (hs, ops *http.Server) {
	hs = &http.Server{
		BaseContext:       func(net.Listener) context.Context { return base },
		Addr:              cfg.Listen,
		Handler:           srv,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          zap.NewStdLog(log.Named("http")),
	}
	if cfg.OperatorListen != "" {
		ops = &http.Server{Addr: cfg.OperatorListen, Handler: srv.OperatorHandler(), ReadHeaderTimeout: cfg.ReadHeaderTimeout}
	}
	return hs, ops
}

// shutdown answers SIGTERM: stop accepting, let in-flight requests finish
// within grace, then cut the rest short.
func shutdown(grace time.Duration, hs, ops *http.Server, cancelBase context.CancelCauseFunc, log *zap.Logger) error {
	log.Info("shutting down", zap.Duration("grace", grace))
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if ops != nil {
		_ = ops.Shutdown(sctx)
	}
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = cutShort(hs, cancelBase, log)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// answerWindow is how long the requests cut short at the end of the grace
// period get to write their 503.
const answerWindow = 5 * time.Second

// cutShort ends the requests that outlasted shutdown_grace: each is
// cancelled with proxy.ErrShuttingDown and answers Nova's 503; whatever
// has not answered within answerWindow is closed. The shutdown is still
// the one asked for (exit 0).
func cutShort(hs *http.Server, cancel context.CancelCauseFunc, log *zap.Logger) error {
	log.Warn("shutdown grace over: answering 503 to the requests still in flight")
	cancel(proxy.ErrShuttingDown)
	ctx, stop := context.WithTimeout(context.Background(), answerWindow)
	defer stop()
	if err := hs.Shutdown(ctx); err != nil {
		log.Warn("requests still open after the 503 window: closing them", zap.Error(err))
		return hs.Close()
	}
	return nil
}
