# scripts/bench.sh stage (sourced): replicas coordinated through Redis
# (issue 17), on the bench cloud's redis-server.
#  - hits: one imagegw alone and one coordinated replica of a fleet of
#    three (scripts/fleet.sh), both with 10 min caches, in alternating
#    rounds; and the fleet through HAProxy;
#  - misses (cache off), show at 1 connection: alone vs coordinated;
#  - writes (metadata PUT of one key, 1 connection): alone (its own lock)
#    vs a replica of the fleet (lease, stream, two acknowledgements).
REDIS_URL=$(sed -n "s/^REDIS_URL=//p" "$D/cloud.env" | tr -d "'")
[ -n "$REDIS_URL" ] || die "no REDIS_URL in $D/cloud.env"
P_ALONE=127.0.0.1:48807 P_MISS_ALONE=127.0.0.1:48808 P_MISS_COORD=127.0.0.1:48809
FLEET_ADDR=127.0.0.1:48850
export FLEET_LISTEN=$FLEET_ADDR FLEET_BASE_PORT=48850 FLEET_OPS_BASE=48950
P_REPLICA=127.0.0.1:48851

say "replicas: a fleet of 3 behind HAProxy ($FLEET_ADDR), and imagegw alone"
bash scripts/fleet.sh start 3 >"$W/log/fleet.log" 2>&1 || { tail -20 "$W/log/fleet.log" >&2; die "fleet.sh start failed"; }
# cleanup exits with $?: keep the stage's status through the fleet's stop
trap 'rc=$?; bash scripts/fleet.sh stop >/dev/null 2>&1; (exit $rc); cleanup' EXIT
IMAGEGW_CACHE_TTL_LIST=10m IMAGEGW_CACHE_TTL_IMAGE=10m IMAGEGW_CACHE_TTL_METADATA=10m start_imagegw imagegw-alone "$P_ALONE"
IMAGEGW_CACHE_TTL_LIST=0 IMAGEGW_CACHE_TTL_IMAGE=0 IMAGEGW_CACHE_TTL_METADATA=0 start_imagegw imagegw-miss-alone "$P_MISS_ALONE"
IMAGEGW_CACHE_TTL_LIST=0 IMAGEGW_CACHE_TTL_IMAGE=0 IMAGEGW_CACHE_TTL_METADATA=0 IMAGEGW_REDIS_URL=$REDIS_URL \
  start_imagegw imagegw-miss-coordinated "$P_MISS_COORD"
for _ in $(seq 100); do # every replica in step (and HAProxy's checks passed)
  n=0
  for i in 1 2 3; do curl -s "http://127.0.0.1:$((48950 + i))/readyz" | grep -q '"redis":"in-step"' && n=$((n + 1)); done
  [ "$n" = 3 ] && break
  sleep 0.1
done
[ "$n" = 3 ] || die "only $n of 3 replicas in step with Redis after 10 s"
sleep 2
REPLICA_PID=$(cat "$D/run/imagegw-1.pid") ALONE_PID=$(pid_of imagegw-alone)
for cs in detail-50 show; do
  for u in "http://$P_ALONE" "http://$P_REPLICA" "http://$FLEET_ADDR"; do
    curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "$u${URI[$cs]}"
  done
done
for r in $(seq "$ROUNDS"); do
  for cs in detail-50 show; do
    run_pair "$r" "$cs" imagegw-alone "http://$P_ALONE" "$ALONE_PID" imagegw-coordinated "http://$P_REPLICA" "$REPLICA_PID"
    run_wrk fleet-haproxy "$cs" "http://$FLEET_ADDR${URI[$cs]}" "$CONNS" $MV
  done
done
warm_glance
run_wrk imagegw-miss-alone show "http://$P_MISS_ALONE${URI[show]}" 1 $MV
warm_glance
run_wrk imagegw-miss-coordinated show "http://$P_MISS_COORD${URI[show]}" 1 $MV
# writes: one metadata key of the bench's show image, rewritten
PUT_URI="${URI[show]}/metadata/bench_key"
for t in imagegw-alone:$P_ALONE imagegw-coordinated:$P_REPLICA; do
  warm_glance
  BENCH_METHOD=PUT BENCH_BODY='{"meta": {"bench_key": "v"}}' run_wrk "${t%%:*}" metadata-put "http://${t#*:}$PUT_URI" 1 $MV
done
ftext replicas-note "fleet: 3 imagegw (127.0.0.1:48851-48853) coordinated through the bench cloud's redis-server behind HAProxy $FLEET_ADDR (deploy/haproxy.cfg); imagegw-coordinated is replica 1 directly; imagegw-alone has no redis_url. Writes: PUT $PUT_URI at 1 connection."
stop_bg imagegw-alone
stop_bg imagegw-miss-alone
stop_bg imagegw-miss-coordinated
bash scripts/fleet.sh stop >/dev/null
trap cleanup EXIT
