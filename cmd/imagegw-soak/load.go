package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

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
	col := newCollector()
	total := int(math.Floor(o.rate * o.duration.Seconds()))
	rep := s.newReport(total)

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

	sm := s.startSampler(col, &sent, stdout)
	jobs := make(chan struct{})
	wg := s.startWorkers(ctx, col, jobs)
	s.dispatch(loadCtx, jobs, total, &rep, &sent)
	close(jobs)
	if ctx.Err() != nil {
		rep.notes = append(rep.notes, "interrupted")
	}
	rep.elapsed = time.Since(s.start)
	wg.Wait() // in-flight requests end within --timeout
	sm.stop()
	s.finishReport(&rep, col)
	return rep
}

func (s *soak) newReport(total int) report {
	o := s.o
	rep := report{started: time.Now(), target: o.target, pid: o.pid, cloudDir: o.cloudDir, duration: o.duration,
		rate: o.rate, interval: o.interval, workers: o.workers, seed: o.seed, seededCount: len(s.seeded), scheduled: total,
		growthMiB: o.growthMiB, growthPct: o.growthPct}
	for _, im := range s.own.images {
		rep.ownImages = append(rep.ownImages, im.id)
	}
	return rep
}

// startWorkers starts the workers, each with its own random source (a
// derived seed, so a run replays), that send one request per job.
func (s *soak) startWorkers(ctx context.Context, col *collector, jobs <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := 0; w < s.o.workers; w++ {
		rng := rand.New(rand.NewSource(s.o.seed + int64(w)*7919))
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
	return &wg
}

// dispatch hands out total jobs at the fixed rate, from s.start on, until
// ctx ends. A job waits for a free worker: a lagging cloud shows as lag,
// not as more requests in flight than --workers.
func (s *soak) dispatch(ctx context.Context, jobs chan<- struct{}, total int, rep *report, sent *atomic.Int64) {
	period := float64(time.Second) / s.o.rate
	timer := time.NewTimer(0)
	<-timer.C
	for i := 0; i < total; i++ {
		at := s.start.Add(time.Duration(float64(i) * period))
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		}
		select {
		case jobs <- struct{}{}:
		case <-ctx.Done():
			return
		}
		rep.sent++
		sent.Add(1)
		lag := time.Since(at)
		rep.maxLag = max(rep.maxLag, lag)
		if lag > time.Second {
			rep.late++
		}
	}
}

// finishReport adds what the collector gathered and the remarks on the run.
func (s *soak) finishReport(rep *report, col *collector) {
	if col.rssErr != "" {
		rep.notes = append(rep.notes, "imagegw RSS unreadable: "+col.rssErr)
	}
	if rep.sent < rep.scheduled {
		rep.info = append(rep.info, fmt.Sprintf("only %d of %d scheduled requests were sent: all %d workers were busy (imagegw or the cloud did not keep up with the rate)", rep.sent, rep.scheduled, s.o.workers))
	}
	rep.info = append(rep.info, fmt.Sprintf("client: %s on %d CPUs, imagegw and the cloud on the same machine", runtime.Version(), runtime.NumCPU()))
	rep.rows, rep.ops, rep.errs, rep.errCount, rep.rss, rep.rssErr = col.rows, col.ops, col.errs, col.errCount, col.rss, col.rssErr
}
