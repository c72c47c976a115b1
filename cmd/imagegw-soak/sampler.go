package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

type rssSample struct {
	at time.Duration
	kb int64
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

// sampler reads imagegw's VmRSS every second and prints a progress row
// every interval, in its own goroutine: a row must not wait for the
// workers or the dispatcher.
type sampler struct {
	s       *soak
	col     *collector
	sent    *atomic.Int64
	out     io.Writer
	lastRSS int64 // the sampler goroutine's until done is closed
	quit    chan struct{}
	done    chan struct{}
}

func (s *soak) startSampler(col *collector, sent *atomic.Int64, out io.Writer) *sampler {
	sm := &sampler{s: s, col: col, sent: sent, out: out, quit: make(chan struct{}), done: make(chan struct{})}
	go sm.loop()
	return sm
}

func (sm *sampler) loop() {
	defer close(sm.done)
	sec := time.NewTicker(time.Second)
	defer sec.Stop()
	next := sm.s.o.interval
	sm.sample()
	for {
		select {
		case <-sm.quit:
			return
		case <-sec.C:
			sm.sample()
			if el := time.Since(sm.s.start); el >= next {
				fmt.Fprintln(sm.out, formatRow(sm.col.row(el, sm.lastRSS, sm.sent.Load())))
				next += sm.s.o.interval
			}
		}
	}
}

// sample records one RSS sample; only the first read error is kept.
func (sm *sampler) sample() {
	kb, err := readRSS(sm.s.o.pid)
	sm.col.mu.Lock()
	defer sm.col.mu.Unlock()
	if err != nil {
		if sm.col.rssErr == "" {
			sm.col.rssErr = fmt.Sprintf("t=%.0fs: %v (imagegw gone?)", time.Since(sm.s.start).Seconds(), err)
		}
		return
	}
	sm.col.rss = append(sm.col.rss, rssSample{at: time.Since(sm.s.start), kb: kb})
	sm.lastRSS = kb
}

// stop ends the loop and takes a last sample once the load is over, then
// prints the row of what completed since the last one.
func (sm *sampler) stop() {
	close(sm.quit)
	<-sm.done
	if kb, err := readRSS(sm.s.o.pid); err == nil {
		sm.col.mu.Lock()
		sm.col.rss = append(sm.col.rss, rssSample{at: time.Since(sm.s.start), kb: kb})
		sm.lastRSS = kb
		sm.col.mu.Unlock()
	}
	if sm.col.pending() {
		fmt.Fprintln(sm.out, formatRow(sm.col.row(time.Since(sm.s.start), sm.lastRSS, sm.sent.Load())))
	}
}
