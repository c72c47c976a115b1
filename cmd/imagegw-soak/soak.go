package main

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// soak is one run: its options, the cloud as set up, and the state the
// load shares between workers.
type soak struct {
	o        options
	client   *http.Client
	accounts map[string]*account
	seeded   []*seeded
	hidden   map[string]map[string]bool // user -> ids Glance hides from them
	marker   string
	own      ownSet
	seq      int64
	seqMu    sync.Mutex
	start    time.Time
}

func (s *soak) nextValue() string {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	s.seq++
	return "v" + strconv.FormatInt(s.seq, 10)
}
