package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/imagegw/imagegw/config"
	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/translate"
)

// Replicas agree through Redis (redis_url, upstream.Coordinator): every
// write through any replica reaches every replica's write log before its
// answer leaves, writes to one image take a fleet-wide lease, and a
// replica that is not in step serves no cache hits. Without redis_url
// nothing here runs.

// coordinator is what the Server needs of upstream.Coordinator.
type coordinator interface {
	Fresh() bool
	Publish(ctx context.Context, ev upstream.CoordEvent) error
	Lock(ctx context.Context, scope string) (func(), error)
	// the fleet's migration report
	ReportAdd(ctx context.Context, max int, deltas []upstream.ReportDelta) error
	ReportRead(ctx context.Context, now time.Time) ([]upstream.ReportRow, uint64, error)
}

type coordination struct {
	c       coordinator // nil: this process alone
	strict  bool        // coordination: strict
	remote  prometheus.Counter
	uncoord *prometheus.CounterVec // writes Redis could not coordinate, by step
	flushes prometheus.Counter
	lost    *prometheus.CounterVec // sessions with Redis that ended, by reason
	fresh   prometheus.GaugeFunc
}

func newCoordination(cfg config.Config, reg *prometheus.Registry) *coordination {
	co := &coordination{strict: cfg.Coordination == config.CoordinationStrict,
		remote: prometheus.NewCounter(prometheus.CounterOpts{Name: "imagegw_coordination_remote_writes_total",
			Help: "Writes other replicas made, applied to this replica's cache."}),
		uncoord: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "imagegw_coordination_uncoordinated_writes_total",
			Help: "Writes Redis could not coordinate, by step (lock, publish); strict mode refused them."}, []string{"step"}),
		flushes: prometheus.NewCounter(prometheus.CounterOpts{Name: "imagegw_coordination_flushes_total",
			Help: "Times this replica dropped its cache on getting back in step (start, a lapse, Redis restarted)."}),
		lost: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "imagegw_coordination_sessions_lost_total",
			Help: "Sessions with Redis that ended, by reason (refused, timeout, closed, error)."}, []string{"reason"}),
	}
	co.fresh = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "imagegw_coordination_fresh",
		Help: "1 while this replica is in step with the others (serves cache hits)."}, func() float64 {
		if co.c != nil && co.c.Fresh() {
			return 1
		}
		return 0
	})
	reg.MustRegister(co.remote, co.uncoord, co.flushes, co.lost, co.fresh)
	return co
}

// Coordinate joins the replicas through c until Close.
func (s *Server) Coordinate(c *upstream.Coordinator) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	prev := s.stop
	s.stop = func() {
		cancel()
		<-done // the report's last flush (a second at most)
		if prev != nil {
			prev()
		}
	}
	c.Handle, c.State = s.onRemoteWrite, s.onCoordination
	s.coord.c = c
	s.report.share()
	// Close only after both: Run's leave unregisters this replica and the
	// report loop's last flush, each through the client Close ends
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.Run(ctx) }()
	go func() { defer wg.Done(); s.reportLoop(ctx, c) }()
	go func() { wg.Wait(); c.Close(); close(done) }()
}

// onRemoteWrite applies another replica's write as a notification is:
// at whatever endpoint this replica reaches Glance (replicas may name the
// same Glance differently: internal and public endpoints).
func (s *Server) onRemoteWrite(ev upstream.CoordEvent) {
	s.cache.writes.recordEvent(ev.Image, ev.Delete, false)
	s.coord.remote.Inc()
}

// onCoordination follows the coordinator: getting (back) in step drops
// everything cached before (writes may have been missed meanwhile).
func (s *Server) onCoordination(fresh bool, cause error) {
	if fresh {
		s.cache.writes.flush()
		s.coord.flushes.Inc()
		s.log.Info("in step with the other replicas (Redis)")
		return
	}
	s.coord.lost.WithLabelValues(lostReason(cause)).Inc()
	s.log.Warn("not in step with the other replicas (Redis)", zap.Error(cause))
}

// lostReason names why a session with Redis ended, for the metric.
func lostReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET):
		return "closed"
	}
	return "error"
}

// cacheTrusted: cache hits may be served (alone, or in step).
func (s *Server) cacheTrusted() bool { return s.coord.c == nil || s.coord.c.Fresh() }

// lockImage takes the write lock of the request's image: this process's,
// then the fleet's lease. Redis unreachable: strict refuses with Nova's
// 503, best-effort goes on under the local lock (counted).
func (s *Server) lockImage(rq *request) (func(), error) {
	scope := imageScope(rq.glanceURL, rq.image)
	unlock := s.writes.Lock(scope)
	if s.coord.c == nil {
		return unlock, nil
	}
	// the fleet's lease is the image's, whatever Glance URL a replica
	// uses (image ids are UUIDs: another Glance's same id only serialises)
	release, err := s.coord.c.Lock(rq.context(), rq.image)
	if err == nil {
		return func() { release(); unlock() }, nil
	}
	if !errors.Is(err, upstream.ErrCoordination) { // out of time waiting
		unlock()
		return nil, err
	}
	s.coord.uncoord.WithLabelValues("lock").Inc()
	if s.coord.strict {
		unlock()
		return nil, &translate.Error{Status: http.StatusServiceUnavailable, Message: msgUnavailable, Cause: err}
	}
	s.log.Warn("write not coordinated: no fleet lock", zap.String("image", rq.image), zap.Error(err))
	return unlock, nil
}

// refuseUncoordinated is strict mode's 503 before a write Redis could not
// coordinate reaches Glance.
func (s *Server) refuseUncoordinated() error {
	if s.coord.c == nil || !s.coord.strict || s.coord.c.Fresh() {
		return nil
	}
	s.coord.uncoord.WithLabelValues("publish").Inc()
	return &translate.Error{Status: http.StatusServiceUnavailable, Message: msgUnavailable, Cause: upstream.ErrCoordination}
}

// publishWrite tells the other replicas about a write before its answer.
func (s *Server) publishWrite(rq *request, isDelete bool) {
	if s.coord.c == nil {
		return
	}
	err := s.coord.c.Publish(rq.context(), upstream.CoordEvent{Glance: rq.glanceURL, Image: rq.image, Delete: isDelete})
	if err != nil {
		s.coord.uncoord.WithLabelValues("publish").Inc()
		s.log.Warn("write not coordinated: other replicas may not have seen it", zap.String("image", rq.image), zap.Error(err))
	}
}

// coordinationState is Redis in /readyz's details.
func (s *Server) coordinationState() string {
	switch {
	case s.coord.c == nil:
		return "off"
	case s.coord.c.Fresh():
		return "in-step"
	}
	return "down"
}
