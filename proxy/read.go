package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"golang.org/x/sync/singleflight"

	"github.com/imagegw/imagegw/translate"
)

// view renders a read from its fill: the JSON value of the answer.
type view func(*fill) (any, error)

// read serves a cacheable GET: the view is serialised once and the bytes
// are cached under the caller's project and roles; concurrent identical
// misses share one upstream call.
func (s *Server) read(kind cacheKind, v view) handler {
	return func(rq *request) (response, error) {
		ttl := s.ttl(kind)
		if ttl <= 0 || !s.cacheTrusted() {
			rq.cache = "off"
			if ttl > 0 {
				rq.cache = "bypass" // out of step with the other replicas
			}
			res, err := render(rq.snapshot(rq.context()), v)
			if err != nil {
				return response{}, err
			}
			return cachedResponse(res), nil
		}
		key := cacheKey(kind, rq)
		head := s.cache.writes.head.Load()
		if c, hit := s.cache.store.Get(key); hit && s.cache.usable(c, head) {
			if !c.borrowed || s.trustBorrowed(rq.context(), c) {
				rq.cache = "hit"
				return cachedResponse(c), nil
			}
			head = s.cache.writes.head.Load() // the fill must not be older than the barrier
		}
		rq.cache = "miss"
		ctx := rq.context()
		if err := ctx.Err(); err != nil { // out of time already (a slow token check)
			return response{}, err
		}
		ch := s.cache.flight.DoChan(key+"\x00"+strconv.FormatUint(head, 10), s.fillFunc(rq, kind, key, head, v))
		var fr singleflight.Result
		select {
		case fr = <-ch:
		case <-ctx.Done(): // each waiter keeps its own request deadline
			return response{}, ctx.Err()
		}
		if fr.Shared {
			rq.cache = "shared"
		}
		if fr.Err != nil {
			return response{}, fr.Err
		}
		return cachedResponse(fr.Val.(*Cached)), nil
	}
}

// fillFunc is a miss's shared fill. It serves every waiter: the first
// caller leaving must not cancel it (the upstream timeout still bounds
// it), and it works from a snapshot taken now, before it starts.
func (s *Server) fillFunc(rq *request, kind cacheKind, key string, head uint64, v view) func() (any, error) {
	f := rq.snapshot(context.WithoutCancel(rq.base))
	ttl := s.ttl(kind)
	return func() (_ any, err error) {
		// singleflight re-panics in its own goroutine (the process would
		// die): a panic is this request's 500, as elsewhere.
		defer func() {
			if r := recover(); r != nil {
				err = translate.Unexpected("Exception", fmt.Errorf("panic: %v", r))
			}
		}()
		res, err := render(f, v)
		if err != nil {
			return nil, err
		}
		res.Gen.Store(head)
		res.borrowed = f.borrowed
		if f.scope != nil { // a list: its images
			res.scope = *f.scope
		} else { // show, metadata: the image alone
			res.scope = imageEntryScope(s.cache.writes, f.glanceURL, f.image)
		}
		// A write since the fill started that touches the answer makes it
		// dead on arrival: keep whatever newer entry there is.
		if s.cache.writes.fresh(&res.scope, head, s.cache.writes.head.Load()) {
			s.cache.store.Set(key, res, ttl)
		}
		return res, nil
	}
}

// render runs a view and serialises its answer.
func render(f *fill, v view) (*Cached, error) {
	val, err := v(f)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(val)
	if err != nil {
		return nil, translate.Unexpected("TypeError", err)
	}
	return &Cached{ContentType: f.contentType, Body: b, contentLength: []string{strconv.Itoa(len(b))}}, nil
}
