# scripts/bench.sh stage (sourced): freshness against changes made in
# Glance directly (issue 16).
#  1. what short cache lifetimes cost without notifications: the hit runs
#     again with every TTL at 1 s, 2 s, 5 s and 10 min (the reference, same
#     conditions), Glance calls per second counted by imagegw;
#  2. with notifications on (TTL 10 min): a hit that lends demo alt's shared
#     image (it waits for the bus: "access first") against the same hit
#     without notifications;
#  3. imagegw-bench freshness: a stream of changes made in Glance (property,
#     delete, member removal, create), each read through imagegw until seen,
#     once quiet and once while wrk loads the same imagegw with list hits.

BORROWED_ID=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["images"]["ref-alt-shared-to-demo-accepted"]["id"])' "$D/seed.json")
URI[show-borrowed]="/v2.1/images/$BORROWED_ID"
upstream_calls() { # Glance calls an imagegw made so far (its /metrics)
  curl -s "http://$(ops_of "$1")/metrics" | awk '$1 ~ /^imagegw_upstream_duration_seconds_count/ {n += $2} END {printf "%d\n", n}'
}

say "TTL sweep without notifications: show and detail-50 hits at 1s, 2s, 5s, 10m"
for ttl in 1s 2s 5s 10m; do
  IMAGEGW_CACHE_TTL_LIST=$ttl IMAGEGW_CACHE_TTL_IMAGE=$ttl IMAGEGW_CACHE_TTL_METADATA=$ttl start_imagegw "imagegw-ttl-$ttl" "$P_TTL"
  for cs in show detail-50; do
    curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "http://$P_TTL${URI[$cs]}"
    n0=$(upstream_calls "$P_TTL") t0=$(date +%s.%N)
    run_wrk "imagegw-ttl-$ttl" "$cs" "http://$P_TTL${URI[$cs]}" "$CONNS" $MV "$(pid_of "imagegw-ttl-$ttl")"
    fact "ttl-$ttl-$cs-glance-calls-per-s" "$(awk -v n="$(($(upstream_calls "$P_TTL") - n0))" -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN{printf "%.2f", n / (t1 - t0)}')"
  done
  if [ "$ttl" = 10m ]; then
    curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "http://$P_TTL${URI[show-borrowed]}"
    run_wrk imagegw-ttl-10m show-borrowed "http://$P_TTL${URI[show-borrowed]}" "$CONNS" $MV "$(pid_of imagegw-ttl-10m)"
  fi
  stop_bg "imagegw-ttl-$ttl"
done

say "notifications on (TTL 10m): borrowed hits, then changes made in Glance, quiet and under load"
IMAGEGW_CACHE_TTL_LIST=10m IMAGEGW_CACHE_TTL_IMAGE=10m IMAGEGW_CACHE_TTL_METADATA=10m IMAGEGW_NOTIFICATIONS_URL=$BUS_URL \
  start_imagegw imagegw-fresh "$P_TTL"
for _ in $(seq 100); do
  curl -s "http://$(ops_of "$P_TTL")/readyz" | grep -q '"notifications":"subscribed"' && break
  sleep 0.1
done
FRESH_PID=$(pid_of imagegw-fresh)
for cs in show show-borrowed detail-50; do
  curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "http://$P_TTL${URI[$cs]}"
done
run_wrk imagegw-hit-notified show-borrowed "http://$P_TTL${URI[show-borrowed]}" "$CONNS" $MV "$FRESH_PID"
fresh() { # label
  "$TOOL" freshness -keystone "$KEYSTONE_URL" -imagegw "http://$P_TTL" -metrics "http://$(ops_of "$P_TTL")/metrics" \
    -trials "${BENCH_FRESH_TRIALS:-50}" -label "$1" | sed -n 's/^BENCH_JSON //p' >>"$RAW"
}
fresh quiet
# the load: list hits of demo at full speed (wrk), for as long as the trials run
BENCH_TARGET=load BENCH_CASE=detail-50 BENCH_CONNECTIONS=$CONNS BENCH_TOKEN=$TOKEN BENCH_MICROVERSION=$MV \
  wrk -t1 -c"$CONNS" -d120s -s bench/wrk/report.lua "http://$P_TTL${URI[detail-50]}" >/dev/null &
LOADER=$!
sleep 1
fresh loaded
kill "$LOADER" 2>/dev/null || true
wait "$LOADER" 2>/dev/null || true
stop_bg imagegw-fresh
$PY - "$RAW" <<'PYEOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("kind") == "freshness":
        print("[bench] %-6s %-8s p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  stale reads after Glance's answer %d (%d of %d trials)%s" % (
            r["case"], r["name"], r.get("p50_ms", 0), r.get("p99_ms", 0), r.get("max_ms", 0),
            r.get("stale_reads", 0), r.get("stale_trials", 0), r["trials"],
            "  FAILED %d: %s" % (r["failed"], r.get("first_error", "")) if r.get("failed") else ""))
PYEOF
