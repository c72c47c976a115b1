package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/rueidis"
)

// The fleet's migration report (issue 17): every replica adds what it saw
// to Redis, so /migration on any replica shows the whole fleet's legacy
// traffic, and a restart or a rolling upgrade loses none of it. Keys share
// the hash tag {report} (one Cluster slot: the script touches several).

// ReportDelta is what one replica saw of one (project, client, route) on
// one day since its last flush.
type ReportDelta struct {
	Project, UserAgent, Route, Native string
	Day                               string // 2006-01-02, UTC
	Calls                             uint64
	LastSeen                          time.Time
	Microversions                     []string
}

// ReportRow is one (project, client, route) of the fleet.
type ReportRow struct {
	Project, UserAgent, Route, Native string
	Calls                             uint64
	LastSeen                          time.Time
	Microversions                     []string
	Days                              map[string]uint64 // the last ReportDays days with calls
}

// ReportDays is how long per-day counts are kept.
const ReportDays = 30

const reportPrefix = keyPrefix + "{report}:"

// reportAdd adds one delta, bounded: a new row past max is counted in
// dropped instead (as the in-process report does).
var reportAdd = rueidis.NewLuaScript(`
if redis.call("hexists", KEYS[1], ARGV[1]) == 0 then
  if redis.call("hlen", KEYS[1]) >= tonumber(ARGV[5]) then
    redis.call("incrby", KEYS[5], ARGV[3]) return 0 end
  redis.call("hset", KEYS[1], ARGV[1], ARGV[2])
end
redis.call("hincrby", KEYS[6], ARGV[1], ARGV[3])
redis.call("hincrby", KEYS[3], ARGV[1], ARGV[3])
redis.call("expire", KEYS[3], ARGV[6])
local last = tonumber(redis.call("hget", KEYS[2], ARGV[1]) or "0")
if tonumber(ARGV[4]) > last then redis.call("hset", KEYS[2], ARGV[1], ARGV[4]) end
for i = 7, #ARGV do redis.call("sadd", KEYS[4], ARGV[i]) end
return 1`)

type reportMeta struct {
	Project, UserAgent, Route, Native string
}

func reportField(d reportMeta) string {
	sum := sha256.Sum256([]byte(d.Project + "\x00" + d.UserAgent + "\x00" + d.Route))
	return hex.EncodeToString(sum[:12])
}

// ReportAdd adds deltas to the fleet's report (max rows at most).
func (c *Coordinator) ReportAdd(ctx context.Context, max int, deltas []ReportDelta) error {
	r := c.redis()
	if r == nil {
		return ErrCoordination
	}
	execs := make([]rueidis.LuaExec, 0, len(deltas))
	for _, d := range deltas {
		m := reportMeta{d.Project, d.UserAgent, d.Route, d.Native}
		f := reportField(m)
		meta, _ := json.Marshal(m)
		// ARGV: field, meta, calls, last seen (ms), max rows, day TTL (s), microversions...
		args := append([]string{f, string(meta), strconv.FormatUint(d.Calls, 10), strconv.FormatInt(d.LastSeen.UnixMilli(), 10),
			strconv.Itoa(max), strconv.Itoa(int((ReportDays + 1) * 24 * time.Hour / time.Second))}, d.Microversions...)
		execs = append(execs, rueidis.LuaExec{Keys: []string{reportPrefix + "meta", reportPrefix + "last",
			reportPrefix + "day:" + d.Day, reportPrefix + "mv:" + f, reportPrefix + "dropped", reportPrefix + "total"}, Args: args})
	}
	ctx, cancel := c.call(ctx)
	defer cancel()
	for _, res := range reportAdd.ExecMulti(ctx, r, execs...) {
		if err := res.Error(); err != nil {
			return fmt.Errorf("%w: %v", ErrCoordination, err)
		}
	}
	return nil
}

// ReportRead reads the fleet's report as of now: its rows, sorted by
// project, client and route, and the calls not tracked (report full).
func (c *Coordinator) ReportRead(ctx context.Context, now time.Time) ([]ReportRow, uint64, error) {
	r := c.redis()
	if r == nil {
		return nil, 0, ErrCoordination
	}
	ctx, cancel := c.call(ctx)
	defer cancel()
	b := r.B()
	cmds := rueidis.Commands{b.Hgetall().Key(reportPrefix + "meta").Build(), b.Hgetall().Key(reportPrefix + "total").Build(),
		b.Hgetall().Key(reportPrefix + "last").Build(), b.Get().Key(reportPrefix + "dropped").Build()}
	days := make([]string, ReportDays)
	for i := range days {
		days[i] = now.UTC().AddDate(0, 0, -i).Format("2006-01-02")
		cmds = append(cmds, b.Hgetall().Key(reportPrefix+"day:"+days[i]).Build())
	}
	res := r.DoMulti(ctx, cmds...)
	maps := make([]map[string]string, len(res))
	for i, x := range res {
		if i == 3 {
			continue
		}
		m, err := x.AsStrMap()
		if err != nil {
			return nil, 0, fmt.Errorf("%w: %v", ErrCoordination, err)
		}
		maps[i] = m
	}
	dropped, _ := res[3].AsUint64()
	rows, fields := reportRows(maps[0], maps[1], maps[2], days, maps[4:])
	if err := c.reportVersions(ctx, r, rows, fields); err != nil {
		return nil, 0, err
	}
	return rows, dropped, nil
}

// reportRows builds the rows from the hashes read.
func reportRows(meta, total, last map[string]string, days []string, perDay []map[string]string) ([]ReportRow, []string) {
	rows := make([]ReportRow, 0, len(meta))
	for f, raw := range meta {
		var m reportMeta
		if json.Unmarshal([]byte(raw), &m) != nil {
			continue
		}
		calls, _ := strconv.ParseUint(total[f], 10, 64)
		ms, _ := strconv.ParseInt(last[f], 10, 64)
		row := ReportRow{Project: m.Project, UserAgent: m.UserAgent, Route: m.Route, Native: m.Native,
			Calls: calls, LastSeen: time.UnixMilli(ms).UTC(), Days: map[string]uint64{}}
		for i, d := range days {
			if n, err := strconv.ParseUint(perDay[i][f], 10, 64); err == nil && n > 0 {
				row.Days[d] = n
			}
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Project != b.Project {
			return a.Project < b.Project
		}
		if a.UserAgent != b.UserAgent {
			return a.UserAgent < b.UserAgent
		}
		return a.Route < b.Route
	})
	fields := make([]string, len(rows))
	for i, row := range rows {
		fields[i] = reportField(reportMeta{row.Project, row.UserAgent, row.Route, row.Native})
	}
	return rows, fields
}

// reportVersions fills each row's microversions.
func (c *Coordinator) reportVersions(ctx context.Context, r rueidis.Client, rows []ReportRow, fields []string) error {
	if len(rows) == 0 {
		return nil
	}
	cmds := make(rueidis.Commands, len(fields))
	for i, f := range fields {
		cmds[i] = r.B().Smembers().Key(reportPrefix + "mv:" + f).Build()
	}
	for i, x := range r.DoMulti(ctx, cmds...) {
		v, err := x.AsStrSlice()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCoordination, err)
		}
		sort.Strings(v)
		rows[i].Microversions = v
	}
	return nil
}
