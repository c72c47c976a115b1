# scripts/bench.sh stage (sourced, BENCH_NOVA=1): imagegw in front of
# nova-api (issue 18). GET /v2.1/flavors from nova-api directly and
# through imagegw (nova_url), in alternating pairs, at 1 connection (the
# p50 overhead) and at BENCH_CONNECTIONS (throughput).
P_FRONT=127.0.0.1:48810
NOVA_ROOT=${NOVA_URL%/v2.1}
URI[flavors]=/v2.1/flavors
say "pass-through: nova-api ($NOVA_ROOT) directly and through imagegw on $P_FRONT"
# three flavors, as a cloud has (an admin call; 409 when they exist)
ADMIN_TOKEN=$(token admin)
[ -n "$ADMIN_TOKEN" ] || die "no admin token from $KEYSTONE_URL"
for f in tiny:64:1 small:2048:2 large:8192:4; do
  IFS=: read -r name ram cpus <<<"$f"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$NOVA_ROOT/v2.1/flavors" -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"flavor\": {\"name\": \"bench.$name\", \"id\": \"bench-$name\", \"ram\": $ram, \"vcpus\": $cpus, \"disk\": 1}}")
  case $code in 200 | 409) ;; *) die "flavor bench.$name: $code" ;; esac
done
IMAGEGW_NOVA_URL=$NOVA_ROOT start_imagegw imagegw-front "$P_FRONT"
for u in "$NOVA_ROOT" "http://$P_FRONT"; do # keystonemiddleware validates the token once
  curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" "$u${URI[flavors]}" || die "$u${URI[flavors]} failed"
done
FRONT_PID=$(pid_of imagegw-front) NOVA_PID=$(cat "$D/run/nova-api.pid")
for c in 1 "$CONNS"; do
  for r in $(seq "$ROUNDS"); do
    CONNS=$c run_pair "$r" flavors nova-direct "$NOVA_ROOT" "$NOVA_PID" imagegw-front "http://$P_FRONT" "$FRONT_PID"
  done
done
ftext passthrough-note "GET /v2.1/flavors (the bench cloud's flavors) with the bench token, microversion $MV; nova-api Zed with 1 worker (eventlet), imagegw with nova_url=$NOVA_ROOT on $P_FRONT; pairs back to back, order alternating, $ROUNDS rounds, best kept. Server CPU: imagegw's own, nova-api's master process."
stop_bg imagegw-front
