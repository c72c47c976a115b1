package proxy

import (
	"bytes"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/imagegw/imagegw/translate"
)

// The migration report: who still calls the proxy API (GET /migration,
// operator role), and the operator-role check it and a public /metrics
// share.

// usage is the migration report's record of one (project, client, route).
type usage struct {
	Project       string    `json:"project"`
	UserAgent     string    `json:"user_agent"`
	Route         string    `json:"route"`
	Native        string    `json:"replacement"`
	Calls         uint64    `json:"calls"`
	LastSeen      time.Time `json:"last_seen"`
	Microversions []string  `json:"microversions"`
}

// migrationReport aggregates who still calls the proxy API, bounded in size.
type migrationReport struct {
	mu      sync.Mutex
	max     int
	dropped uint64
	rows    map[[3]string]*usage
}

func newMigrationReport(max int) *migrationReport {
	return &migrationReport{max: max, rows: map[[3]string]*usage{}}
}

func (r *migrationReport) record(project, ua, op, native, mv string, at time.Time) {
	if len(ua) > 200 {
		ua = ua[:200]
	}
	k := [3]string{project, ua, op}
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.rows[k]
	if !ok {
		if len(r.rows) >= r.max {
			r.dropped++
			return
		}
		u = &usage{Project: project, UserAgent: ua, Route: op, Native: native}
		r.rows[k] = u
	}
	u.Calls++
	u.LastSeen = at
	if i := sort.SearchStrings(u.Microversions, mv); i == len(u.Microversions) || u.Microversions[i] != mv {
		u.Microversions = append(u.Microversions, "")
		copy(u.Microversions[i+1:], u.Microversions[i:])
		u.Microversions[i] = mv
	}
}

func (r *migrationReport) snapshot() ([]usage, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]usage, 0, len(r.rows))
	for _, u := range r.rows {
		cp := *u
		cp.Microversions = append([]string(nil), u.Microversions...)
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

var reportPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>imagegw migration report</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}th,td{border:1px solid #999;padding:4px 8px;text-align:left}th{background:#eee}</style>
</head><body>
<h1>Legacy image proxy API calls</h1>
<p>Generated {{.Generated}}. {{len .Rows}} (project, client, route) rows{{if .Dropped}}, {{.Dropped}} calls not tracked (report full){{end}}.</p>
<table id="usage"><thead><tr><th>Project</th><th>Client (User-Agent)</th><th>Route</th><th>Calls</th><th>Last seen</th><th>Microversions</th><th>Native Glance v2 replacement</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.Project}}</td><td>{{.UserAgent}}</td><td>{{.Route}}</td><td>{{.Calls}}</td><td>{{.LastSeen.Format "2006-01-02T15:04:05Z07:00"}}</td><td>{{range $i, $v := .Microversions}}{{if $i}}, {{end}}{{$v}}{{end}}</td><td>{{.Native}}</td></tr>
{{else}}<tr><td colspan="7">No legacy calls seen since start.</td></tr>{{end}}</tbody></table>
</body></html>
`))

// migration serves GET /migration: JSON, or HTML when the client prefers it.
// Operator-only: the caller's token must carry the configured role.
func (s *Server) migration(c echo.Context) (response, error) {
	if err := s.operatorOnly(c); err != nil {
		return response{}, err
	}
	rows, dropped := s.report.snapshot()
	if strings.Contains(c.Request().Header.Get("Accept"), "text/html") || c.QueryParam("format") == "html" {
		var page bytes.Buffer
		if err := reportPage.Execute(&page, map[string]any{"Rows": rows, "Dropped": dropped,
			"Generated": time.Now().UTC().Format(time.RFC3339)}); err != nil {
			return response{}, err
		}
		return response{status: http.StatusOK, contentType: "text/html; charset=utf-8", body: page.Bytes()}, nil
	}
	return jsonAnswer(http.StatusOK, "application/json", map[string]any{"usage": rows, "untracked_calls": dropped})
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
