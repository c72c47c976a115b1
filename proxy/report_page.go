package proxy

import (
	"bytes"
	"context"
	"encoding/csv"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
)

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{"days": daysText}).Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>imagegw migration report</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}th,td{border:1px solid #999;padding:4px 8px;text-align:left}th{background:#eee}</style>
</head><body>
<h1>Legacy image proxy API calls</h1>
<p>Generated {{.Generated}}, {{.Scope}}. {{len .Rows}} (project, client, route) rows{{if .Dropped}}, {{.Dropped}} calls not tracked (report full){{end}}.
Sort by <a href="?format=html">project</a> or <a href="?format=html&amp;sort=last_seen">last seen</a>; <a href="?format=csv">CSV</a>.</p>
<table id="usage"><thead><tr><th>Project</th><th>Client (User-Agent)</th><th>Route</th><th>Calls</th><th>Last seen</th><th>Microversions</th><th>Native Glance v2 replacement</th><th>Calls per day (last 30 days, UTC)</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.Project}}{{if .ProjectName}} ({{.ProjectName}}){{end}}</td><td>{{.UserAgent}}</td><td>{{.Route}}</td><td>{{.Calls}}</td><td>{{.LastSeen.Format "2006-01-02T15:04:05Z07:00"}}</td><td>{{range $i, $v := .Microversions}}{{if $i}}, {{end}}{{$v}}{{end}}</td><td>{{.Native}}</td><td>{{days .Days}}</td></tr>
{{else}}<tr><td colspan="8">No legacy calls seen since start.</td></tr>{{end}}</tbody></table>
</body></html>
`))

// daysText is a row's per-day counts, newest first ("2026-12-01: 5, …").
func daysText(days map[string]uint64) string {
	keys := make([]string, 0, len(days))
	for d := range days {
		keys = append(keys, d)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	parts := make([]string, len(keys))
	for i, d := range keys {
		parts[i] = d + ": " + strconv.FormatUint(days[d], 10)
	}
	return strings.Join(parts, ", ")
}

// migration serves GET /migration: JSON, HTML when the client prefers it
// (or ?format=html), CSV with ?format=csv; ?sort=last_seen puts the most
// recent first. Operator-only: the caller's token must carry the
// configured role.
func (s *Server) migration(c echo.Context) (response, error) {
	if err := s.operatorOnly(c); err != nil {
		return response{}, err
	}
	rows, dropped, scope := s.reportRows(c.Request().Context())
	s.names.name(c.Request().Context(), rows)
	if c.QueryParam("sort") == "last_seen" {
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].LastSeen.After(rows[j].LastSeen) })
	}
	switch {
	case c.QueryParam("format") == "csv":
		return reportCSV(rows)
	case strings.Contains(c.Request().Header.Get("Accept"), "text/html") || c.QueryParam("format") == "html":
		var page bytes.Buffer
		if err := reportPage.Execute(&page, map[string]any{"Rows": rows, "Dropped": dropped, "Scope": scope,
			"Generated": time.Now().UTC().Format(time.RFC3339)}); err != nil {
			return response{}, err
		}
		return response{status: http.StatusOK, contentType: "text/html; charset=utf-8", body: page.Bytes()}, nil
	}
	return jsonAnswer(http.StatusOK, "application/json", map[string]any{"usage": rows, "untracked_calls": dropped, "scope": scope})
}

// reportCSV is the report as CSV, one row per (project, client, route).
func reportCSV(rows []usage) (response, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"project", "project_name", "user_agent", "route", "calls", "last_seen", "microversions", "replacement", "calls_per_day"})
	for _, u := range rows {
		_ = w.Write([]string{u.Project, u.ProjectName, u.UserAgent, u.Route, strconv.FormatUint(u.Calls, 10), u.LastSeen.UTC().Format(time.RFC3339),
			strings.Join(u.Microversions, " "), u.Native, daysText(u.Days)})
	}
	w.Flush()
	return response{status: http.StatusOK, contentType: "text/csv; charset=utf-8", body: b.Bytes()}, w.Error()
}

// reportRows is the fleet's report (with redis_url: what every replica
// flushed, this one's unflushed calls first added) or this replica's.
func (s *Server) reportRows(ctx context.Context) ([]usage, uint64, string) {
	co := s.coord.c
	if co == nil {
		rows, dropped := s.report.snapshot()
		return rows, dropped, "this imagegw since its start"
	}
	s.flushReport(ctx, co)
	fleet, dropped, err := co.ReportRead(ctx, time.Now())
	if err != nil {
		s.log.Warn("migration report: the fleet's is unavailable, showing this replica's", zap.Error(err))
		rows, dropped := s.report.snapshot()
		return rows, dropped, "this replica only (Redis unavailable)"
	}
	rows := make([]usage, len(fleet))
	for i, r := range fleet {
		rows[i] = usage{Project: r.Project, UserAgent: r.UserAgent, Route: r.Route, Native: r.Native, Calls: r.Calls,
			LastSeen: r.LastSeen, Microversions: r.Microversions, Days: r.Days}
	}
	return rows, dropped, "every replica (kept in Redis)"
}

// reportFlushEvery: how often a replica adds its calls to the fleet's report.
const reportFlushEvery = 2 * time.Second

// flushReport adds what this replica saw since the last flush to the
// fleet's report; what Redis did not take is kept for the next one.
func (s *Server) flushReport(ctx context.Context, co coordinator) {
	ds := s.report.drain()
	if len(ds) == 0 {
		return
	}
	if err := co.ReportAdd(ctx, s.report.max, ds); err != nil {
		s.report.requeue(ds)
	}
}

// reportLoop flushes every reportFlushEvery until ctx ends, then once more.
func (s *Server) reportLoop(ctx context.Context, co coordinator) {
	t := time.NewTicker(reportFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			flush, cancel := context.WithTimeout(context.Background(), time.Second)
			s.flushReport(flush, co)
			cancel()
			return
		case <-t.C:
			s.flushReport(ctx, co)
		}
	}
}
