package main

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const lagScrape = `# HELP imagegw_notification_lag_seconds From Glance's notification timestamp to the invalidation.
# TYPE imagegw_notification_lag_seconds histogram
imagegw_notification_lag_seconds_bucket{le="0.001"} %d
imagegw_notification_lag_seconds_bucket{le="0.002"} %d
imagegw_notification_lag_seconds_bucket{le="0.004"} %d
imagegw_notification_lag_seconds_bucket{le="+Inf"} %d
imagegw_notification_lag_seconds_sum %g
imagegw_notification_lag_seconds_count %d
`

func scrape(t *testing.T, a, b, c, inf int, sum float64) histogram {
	t.Helper()
	h, err := parseHistogram(strings.NewReader(fmt.Sprintf(lagScrape, a, b, c, inf, sum, inf)), "imagegw_notification_lag_seconds")
	require.NoError(t, err)
	return h
}

func TestHistogramQuantileBounds(t *testing.T) {
	before := scrape(t, 10, 10, 10, 10, 0.005)
	after := scrape(t, 60, 108, 110, 110, 0.155)
	d := after.minus(before)
	require.Equal(t, 100.0, d.count)
	require.InDelta(t, 0.15, d.sum, 1e-9)
	for _, tc := range []struct {
		q, want float64
	}{{0.5, 0.001}, {0.9, 0.002}, {0.98, 0.002}, {0.99, 0.004}, {1, 0.004}} {
		require.Equal(t, tc.want, d.quantileBound(tc.q), "q=%v", tc.q)
	}
	past := scrape(t, 0, 0, 0, 5, 1)
	require.True(t, math.IsInf(past.quantileBound(0.5), 1), "past the last bucket")
	_, err := parseHistogram(strings.NewReader("other_metric 1\n"), "imagegw_notification_lag_seconds")
	require.Error(t, err)
}

func TestFreshnessRecordAndTargets(t *testing.T) {
	ms := time.Millisecond
	rec := freshnessRecord("unshare", []trialResult{
		{lag: 4 * ms}, {lag: 3 * ms, stale: 2}, {lag: 30 * ms}, {err: errors.New("still stale")},
	})
	require.Equal(t, int64(4), rec.Trials)
	require.Equal(t, int64(1), rec.Failed)
	require.Equal(t, int64(2), rec.StaleReads)
	require.Equal(t, int64(1), rec.StaleTrials)
	require.Equal(t, 4.0, rec.P50MS)
	require.Equal(t, 30.0, rec.P99MS)

	res := &results{fresh: map[string]Record{}, facts: map[string]Record{}}
	require.Empty(t, freshnessTargets(res), "not measured: no verdict")
	for _, kind := range trialKinds {
		res.fresh["loaded|"+kind] = Record{Trials: 50, P99MS: 20}
	}
	res.facts["loaded-notification-lag-p99-le-ms"] = Record{Value: 8}
	ts := freshnessTargets(res)
	require.True(t, ts[0].ok && ts[1].ok)
	res.fresh["loaded|unshare"] = Record{Trials: 50, P99MS: 20, StaleReads: 1}
	require.False(t, freshnessTargets(res)[1].ok, "one stale answer breaks access first")
	res.facts["loaded-notification-lag-p99-le-ms"] = Record{Value: 128}
	require.False(t, freshnessTargets(res)[0].ok, "p99 over 100 ms")
	res.facts["loaded-notification-lag-p99-le-ms"] = Record{Value: 8}
	res.fresh["loaded|delete"] = Record{Trials: 50, Failed: 1}
	require.False(t, freshnessTargets(res)[0].ok, "a change never seen")
}
