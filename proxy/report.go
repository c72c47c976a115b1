package proxy

import (
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/imagegw/imagegw/proxy/upstream"
	"github.com/imagegw/imagegw/translate"
)

// The migration report: who still calls the proxy API (GET /migration,
// operator role), and the operator-role check it and a public /metrics
// share.

// usage is the migration report's record of one (project, client, route).
type usage struct {
	Project       string    `json:"project"`
	ProjectName   string    `json:"project_name,omitempty"`
	UserAgent     string    `json:"user_agent"`
	Route         string    `json:"route"`
	Native        string    `json:"replacement"`
	Calls         uint64    `json:"calls"`
	LastSeen      time.Time `json:"last_seen"`
	Microversions []string  `json:"microversions"`
	// Days: calls per UTC day (2006-01-02) over the last 30 days, so an
	// operator sees a client's use fall to zero before the cut-off.
	Days map[string]uint64 `json:"days"`
}

// migrationReport aggregates who still calls the proxy API, bounded in size.
type migrationReport struct {
	mu      sync.Mutex
	max     int
	dropped uint64
	rows    map[[3]string]*usage
	// pending: what was seen since the last flush to the fleet's report,
	// by (project, client, route, day); kept only once shared (redis_url)
	pending map[[4]string]*upstream.ReportDelta
	shared  bool
	// day is the UTC day of the last call, formatted once per day
	// (Format allocated on every call)
	day      string
	dayStart time.Time
}

// dayOf is at's UTC day as 2006-01-02 (r.mu held).
func (r *migrationReport) dayOf(at time.Time) string {
	if at.Before(r.dayStart) || !at.Before(r.dayStart.Add(24*time.Hour)) {
		u := at.UTC()
		r.dayStart = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
		r.day = u.Format(time.DateOnly)
	}
	return r.day
}

// share starts keeping what is seen for the fleet's report (Coordinate):
// without it nothing would drain pending, which grew with every new
// (project, client, route, day).
func (r *migrationReport) share() {
	r.mu.Lock()
	r.shared = true
	r.mu.Unlock()
}

func newMigrationReport(max int) *migrationReport {
	return &migrationReport{max: max, rows: map[[3]string]*usage{}, pending: map[[4]string]*upstream.ReportDelta{}}
}

func (r *migrationReport) record(project, ua, op, native, mv string, at time.Time) {
	if len(ua) > 200 {
		ua = ua[:200]
	}
	k := [3]string{project, ua, op}
	r.mu.Lock()
	defer r.mu.Unlock()
	day := r.dayOf(at)
	if r.shared { // the fleet's report counts it even when this replica's is full
		r.addPending(upstream.ReportDelta{Project: project, UserAgent: ua, Route: op, Native: native, Day: day,
			Calls: 1, LastSeen: at}, mv)
	}
	u, ok := r.rows[k]
	if !ok {
		if len(r.rows) >= r.max {
			r.dropped++
			return
		}
		u = &usage{Project: project, UserAgent: ua, Route: op, Native: native, Days: map[string]uint64{}}
		r.rows[k] = u
	}
	u.Calls++
	u.LastSeen = at
	u.Days[day]++
	u.Microversions = addSorted(u.Microversions, mv)
}

// addSorted inserts v into the sorted set vs.
func addSorted(vs []string, v string) []string {
	if i := sort.SearchStrings(vs, v); i == len(vs) || vs[i] != v {
		vs = append(vs, "")
		copy(vs[i+1:], vs[i:])
		vs[i] = v
	}
	return vs
}

// drain takes what was seen since the last flush.
func (r *migrationReport) drain() []upstream.ReportDelta {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]upstream.ReportDelta, 0, len(r.pending))
	for k, d := range r.pending {
		out = append(out, *d)
		delete(r.pending, k)
	}
	return out
}

// requeue puts back what a flush could not deliver (nothing is lost
// while Redis is away).
func (r *migrationReport) requeue(ds []upstream.ReportDelta) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range ds {
		r.addPending(d, d.Microversions...)
	}
}

// addPending merges d (its microversions are mvs) into pending, bounded
// like the report (r.mu held). A call of a known key allocates nothing:
// the new entry is the only copy made.
func (r *migrationReport) addPending(d upstream.ReportDelta, mvs ...string) {
	k := [4]string{d.Project, d.UserAgent, d.Route, d.Day}
	cur, ok := r.pending[k]
	if !ok {
		if len(r.pending) >= r.max {
			return
		}
		cur = &upstream.ReportDelta{Project: d.Project, UserAgent: d.UserAgent, Route: d.Route, Native: d.Native, Day: d.Day}
		r.pending[k] = cur
	}
	cur.Calls += d.Calls
	cur.LastSeen = maxTime(cur.LastSeen, d.LastSeen)
	for _, mv := range mvs {
		cur.Microversions = addSorted(cur.Microversions, mv)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (r *migrationReport) snapshot() ([]usage, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]usage, 0, len(r.rows))
	oldest := time.Now().UTC().AddDate(0, 0, -(upstream.ReportDays - 1)).Format(time.DateOnly)
	for _, u := range r.rows {
		cp := *u
		cp.Microversions = append([]string(nil), u.Microversions...)
		cp.Days = make(map[string]uint64, len(u.Days))
		for d, n := range u.Days {
			if d >= oldest {
				cp.Days[d] = n
			} else {
				delete(u.Days, d)
			}
		}
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Project != out[j].Project {
			return out[i].Project < out[j].Project
		}
		if out[i].UserAgent != out[j].UserAgent {
			return out[i].UserAgent < out[j].UserAgent
		}
		return out[i].Route < out[j].Route
	})
	return out, r.dropped
}

// operatorOnly lets through a valid token with the operator role: 401
// without a valid token, 403 with one that lacks the role.
func (s *Server) operatorOnly(c echo.Context) error {
	token := c.Request().Header.Get("X-Auth-Token")
	if token == "" {
		return errUnauthorized
	}
	id, err := s.tokens.Validate(c.Request().Context(), token)
	if err != nil {
		return errUnauthorized
	}
	for _, r := range id.Roles {
		if r == s.cfg.OperatorRole {
			return nil
		}
	}
	return &translate.Error{Status: http.StatusForbidden, Message: "The operator role is required."}
}

// metricsPublic serves /metrics on the API listener (no operator_listen):
// to the operator role only.
func (s *Server) metricsPublic(c echo.Context) error {
	if err := s.operatorOnly(c); err != nil {
		return err
	}
	s.metrics.handler().ServeHTTP(c.Response(), c.Request())
	return nil
}
