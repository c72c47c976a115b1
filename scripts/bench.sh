#!/bin/bash
# make bench: imagegw's cache-hit and miss paths against a bare Echo
# handler, Glance directly and nova-api Zed (also through imagegw's
# pass-through; BENCH_NOVA=0 leaves nova out), on a separate
# local cloud; writes bench/results/{results.md,results.json,results.csv,chart.png}.
# See bench/README.md. Run as root on Debian bookworm (installs wrk and gnuplot-nox).
#
# Environment (defaults):
#   BENCH_NOVA=1            0: no nova-api in the bench cloud (no nova and pass-through rows)
#   BENCH_DURATION=10       seconds per wrk run
#   BENCH_CONNECTIONS=4     wrk connections of the main runs (1 thread)
#   BENCH_ROUNDS=2          rounds of the hit/bare-Echo pairs (the report keeps each one's best)
#   BENCH_FILL=100000       distinct requests of the cache memory fill
#   BENCH_PROFILE=1         CPU profile of the hit path (perf on the live binary
#                           and go test -cpuprofile on proxy.BenchmarkCacheHitDetail)
#   BENCH_CLOUD_DOWN=auto   stop the bench cloud at the end: auto = only if this run started it, 1, 0
#   BENCH_OUT=bench/results
#   IMAGEGW_CLOUD_DIR=/tmp/imagegw-bench-cloud, ports Keystone 45000, Glance 49292, nova 48774
# imagegw and helpers listen on 127.0.0.1:48800-48806 (operator listeners +100).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export PATH=/usr/local/go/bin:$HOME/go/bin:$PATH
PY=/usr/bin/python3
T0=$(date +%s)

# imagegw reads IMAGEGW_* and OS_* from its environment: keep only the
# cloud scripts' variables so a caller's settings cannot change what is measured.
for v in $(compgen -e); do
  case $v in
  IMAGEGW_CLOUD_DIR | IMAGEGW_KEYSTONE_PORT | IMAGEGW_GLANCE_PORT | IMAGEGW_CLOUD_NOVA | IMAGEGW_NOVA_PORT | IMAGEGW_FORCE_SETUP) ;;
  IMAGEGW_* | OS_*) unset "$v" ;;
  esac
done
# The bench cloud: its own state dir and ports, never the test cloud
# (`make` exports IMAGEGW_CLOUD_DIR=/tmp/imagegw-cloud: BENCH_CLOUD_DIR wins).
export IMAGEGW_CLOUD_DIR=${BENCH_CLOUD_DIR:-/tmp/imagegw-bench-cloud}
export IMAGEGW_KEYSTONE_PORT=${BENCH_KEYSTONE_PORT:-45000}
export IMAGEGW_GLANCE_PORT=${BENCH_GLANCE_PORT:-49292}
BENCH_NOVA=${BENCH_NOVA:-1}
if [ "$BENCH_NOVA" = 1 ]; then
  export IMAGEGW_CLOUD_NOVA=1 IMAGEGW_NOVA_PORT=${BENCH_NOVA_PORT:-48774}
else
  export IMAGEGW_CLOUD_NOVA=0
fi
DUR=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-4}
FILL_N=${BENCH_FILL:-100000}
ROUNDS=${BENCH_ROUNDS:-2}
PROFILE=${BENCH_PROFILE:-1}
CLOUD_DOWN=${BENCH_CLOUD_DOWN:-auto}
OUT=${BENCH_OUT:-bench/results}
MV=2.35
D=$IMAGEGW_CLOUD_DIR
W=$D/bench                      # work dir: binaries, logs, captures, raw records
P_HIT=127.0.0.1:48800 P_MISS=127.0.0.1:48801 P_BARE=127.0.0.1:48802 P_STUB=127.0.0.1:48803 P_FILL=127.0.0.1:48804
P_NOTIFIED=127.0.0.1:48805 P_TTL=127.0.0.1:48806 # replicas.sh: 48807-48809, 48850-48853 (+100); passthrough.sh: 48810

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh

# --- tools -------------------------------------------------------------------
need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v gnuplot >/dev/null || need_pkgs+=(gnuplot-nox)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing ${need_pkgs[*]}"
  apt-cache show "${need_pkgs[0]}" >/dev/null 2>&1 || apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"
fi
command -v go >/dev/null || die "go not found (make tools)"

for p in $P_HIT $P_MISS $P_BARE $P_STUB $P_FILL $P_NOTIFIED $P_TTL; do port_free "$p" || die "$p is in use"; done

# --- cloud and images ----------------------------------------------------------
# Reuse a running bench cloud; start it otherwise (then stop it at the end).
curl -s -m 2 -o /dev/null "http://127.0.0.1:$IMAGEGW_GLANCE_PORT/" || CLOUD_STARTED=1
say "bench cloud ($D, nova=$BENCH_NOVA)"
bash scripts/cloud/up.sh | tail -1
# The sample images (realistic properties; show/metadata use ref-custom-props)
# plus 1000 queued bulk images of demo: demo sees >= 1063 images, so the
# page-size sweep is limit=50/500/1000 on one image set (Glance's
# api_limit_max is 1000: one Glance page for every size).
$PY scripts/cloud/seed.py | tail -1
$PY scripts/cloud/seed.py --bulk 1000 --owner demo | tail -1
# shellcheck disable=SC1091
. "$D/cloud.env"
SHOW_ID=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["images"]["ref-custom-props"]["id"])' "$D/seed.json")

# --- builds ---------------------------------------------------------------------
say "building bin/imagegw and the bench helpers"
# imagegw's Glance page size, read from the source it is built from (for glance-paged)
GPAGE=$(sed -n 's/^const DefaultPageSize = \([0-9]*\).*/\1/p' translate/list.go)
GPAGE=${GPAGE:-200}
go build -o bin/imagegw ./cmd/imagegw
go build -o "$W/bin/bare-echo" ./bench/cmd/bare-echo
go build -o "$W/bin/imagegw-bench" ./bench/cmd/imagegw-bench
IGW=$ROOT/bin/imagegw BARE=$W/bin/bare-echo TOOL=$W/bin/imagegw-bench

# --- token (one, reused everywhere: imagegw caches its validation) ------------
TOKEN=$(token demo)
[ -n "$TOKEN" ] || die "no token from $KEYSTONE_URL"
NVISIBLE=$($PY - "$GLANCE_URL" "$TOKEN" <<'PYEOF'
import json, sys, urllib.request
base, token, n, url = sys.argv[1], sys.argv[2], 0, "/v2/images?limit=1000"
while url:
    req = urllib.request.Request(base + url, headers={"X-Auth-Token": token})
    page = json.load(urllib.request.urlopen(req))
    n += len(page["images"])
    url = page.get("next")
print(n)
PYEOF
)

# --- raw records ------------------------------------------------------------------
RAW=$W/raw.jsonl
: >"$RAW"

ftext date "$(date -u +'%Y-%m-%d %H:%M UTC')"
ftext load-start "$(cut -d' ' -f1-3 /proc/loadavg)"
ftext commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$( [ -n "$(git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' + uncommitted changes')"
ftext go-version "$(go env GOVERSION)"
ftext wrk-version "$(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}')"
ftext duration "$DUR"
ftext cloud "Keystone 22 + Glance 25 (Zed, Debian packages, 1 worker each$( [ "$BENCH_NOVA" = 1 ] && echo ', nova-api 26 1 worker'); $D"
ftext image-set "demo sees $NVISIBLE images in Glance (69 seeded samples, 63 visible, + 1000 queued bulk images); page sizes via limit=50/500/1000 on that one set"
ftext requests "user demo (member), one token, X-OpenStack-Nova-API-Version: $MV; show and metadata of ref-custom-props ($SHOW_ID, 11 properties)"
ftext cache-settings "hit runs: IMAGEGW_CACHE_TTL_*=10m (no expiry during a run); miss runs: IMAGEGW_CACHE_TTL_LIST/IMAGE/METADATA=0; token cache 5m (default) in both; log level info (one JSON log line per request, to a file)"

declare -A URI=(
  [detail-50]="/v2.1/images/detail?limit=50"
  [detail-500]="/v2.1/images/detail?limit=500"
  [detail-1000]="/v2.1/images/detail?limit=1000"
  [show]="/v2.1/images/$SHOW_ID"
  [metadata]="/v2.1/images/$SHOW_ID/metadata"
)
declare -A GURI=(
  [detail-50]="/v2/images?limit=50"
  [detail-500]="/v2/images?limit=500"
  [detail-1000]="/v2/images?limit=1000"
  [show]="/v2/images/$SHOW_ID"
)
CASES=(detail-50 detail-500 detail-1000 show metadata)


# --- 1+2+4: imagegw cache on / off and the bare Echo ------------------------------
say "starting imagegw (cache on, TTLs 10m) on $P_HIT and (cache off) on $P_MISS"
IMAGEGW_CACHE_TTL_LIST=10m IMAGEGW_CACHE_TTL_IMAGE=10m IMAGEGW_CACHE_TTL_METADATA=10m start_imagegw imagegw-hit "$P_HIT"
IMAGEGW_CACHE_TTL_LIST=0 IMAGEGW_CACHE_TTL_IMAGE=0 IMAGEGW_CACHE_TTL_METADATA=0 start_imagegw imagegw-miss "$P_MISS"

# Prime: one request per URL fills the cache (and validates the token once);
# the same answers are captured for the bare Echo.
rm -rf "$W/capture"
"$TOOL" capture -base "http://$P_HIT" -token "$TOKEN" -microversion $MV -out "$W/capture" \
  "${URI[detail-50]}" "${URI[detail-500]}" "${URI[detail-1000]}" "${URI[show]}" "${URI[metadata]}" >/dev/null
curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "http://$P_MISS${URI[show]}" || die "imagegw-miss does not answer"
# Glance calls behind one miss (Glance's access log): imagegw pages through
# Glance like Nova's glanceclient does, so a large limit is several calls.
for cs in detail-50 detail-500 detail-1000 show; do
  n0=$(grep -c 'GET /v2/images' "$D/log/glance-api.log" || true)
  curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "http://$P_MISS${URI[$cs]}"
  sleep 0.5
  fact "glance-calls-$cs" $(($(grep -c 'GET /v2/images' "$D/log/glance-api.log" || true) - n0))
done
start_bg bare-echo "$BARE" -listen "$P_BARE" -manifest "$W/capture/manifest.json"
wait_http "http://$P_BARE/" bare-echo
for cs in "${CASES[@]}"; do # the bare Echo really returns the imagegw bytes
  a=$(curl -s -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "http://$P_HIT${URI[$cs]}" | sha256sum)
  b=$(curl -s "http://$P_BARE${URI[$cs]}" | sha256sum)
  [ "$a" = "$b" ] || die "bare-echo body differs from imagegw's for $cs"
done

# the same cache-on imagegw subscribed to the bench cloud's RabbitMQ (issue
# 16: the subscription must cost the hit path nothing); measured in the same
# rounds as imagegw-hit, on detail-50 and show
BUS_URL=$(sed -n "s/^BUS_URL=//p" "$D/cloud.env" | tr -d "'")
[ -n "$BUS_URL" ] || die "no BUS_URL in $D/cloud.env"
IMAGEGW_CACHE_TTL_LIST=10m IMAGEGW_CACHE_TTL_IMAGE=10m IMAGEGW_CACHE_TTL_METADATA=10m IMAGEGW_NOTIFICATIONS_URL=$BUS_URL \
  start_imagegw imagegw-hit-notified "$P_NOTIFIED"
for _ in $(seq 100); do
  curl -s "http://$(ops_of "$P_NOTIFIED")/readyz" | grep -q '"notifications":"subscribed"' && break
  sleep 0.1
done
for cs in detail-50 show; do
  curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "http://$P_NOTIFIED${URI[$cs]}" ||
    die "imagegw-hit-notified does not answer"
done

HIT_PID=$(pid_of imagegw-hit) BARE_PID=$(pid_of bare-echo) MISS_PID=$(pid_of imagegw-miss)
NOTIFIED_PID=$(pid_of imagegw-hit-notified)
fact rss-hit-idle-kb "$(kb "$HIT_PID" VmRSS)"
# sample the cache-on imagegw's RSS while the hit runs go on
(while [ -d "/proc/$HIT_PID" ]; do kb "$HIT_PID" VmRSS; sleep 0.25; done) >"$W/rss-hit.txt" 2>/dev/null &
SAMPLER=$!

say "hit path vs bare Echo, $CONNS connections, ${DUR}s each, $ROUNDS rounds (pairs back to back, order alternating)"
for r in $(seq "$ROUNDS"); do
  for cs in "${CASES[@]}"; do
    run_pair "$r" "$cs" imagegw-hit "http://$P_HIT" "$HIT_PID" bare-echo "http://$P_BARE" "$BARE_PID"
    case $cs in detail-50 | show)
      run_wrk imagegw-hit-notified "$cs" "http://$P_NOTIFIED${URI[$cs]}" "$CONNS" $MV "$NOTIFIED_PID" ;;
    esac
  done
done
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
fact rss-hit-peak-kb "$(sort -n "$W/rss-hit.txt" | tail -1)"
fact rss-hit-after-kb "$(kb "$HIT_PID" VmRSS)"

fact hwm-hit-after-kb "$(kb "$HIT_PID" VmHWM)"
stop_bg imagegw-hit-notified

# shellcheck source=scripts/bench/profile.sh
. scripts/bench/profile.sh

# --- 2+3: miss path vs Glance directly ----------------------------------------------
# glance-paged: the same Glance calls imagegw makes for a large limit (pages
# of translate.DefaultPageSize after the previous page's last id), timed as
# one sequence: the floor of the miss path with Nova's paging.
run_paged() { # case limit connections
  local rec
  rec=$("$TOOL" paged -base "$GLANCE_URL" -token "$TOKEN" -limit "$2" -page "$GPAGE" -c "$3" -d "${DUR}s" -case "$1" | sed -n 's/^BENCH_JSON //p')
  [ -n "$rec" ] || die "paged $1 gave no record"
  echo "${rec%\}},\"url\":$(jstr "$GLANCE_URL/v2/images?limit=$GPAGE (+marker pages up to $2)"),\"load1\":$(load1)}" >>"$RAW"
  say "$(printf '%-14s %-12s c=%d  %s' glance-paged "$1" "$3" "$(echo "$rec" | $PY -c 'import json,sys; r=json.load(sys.stdin); print("%9.1f seq/s  p50 %8.3f ms  p99 %8.3f ms  Glance calls/seq %.1f" % (r["rps"], r["p50_ms"], r["p99_ms"], r["calls_per_request"]))')")"
}
say "miss path vs Glance direct, $CONNS connections then 1 (back to back per case)"
for c in "$CONNS" 1; do
  for cs in "${CASES[@]}"; do
    warm_glance
    run_wrk imagegw-miss "$cs" "http://$P_MISS${URI[$cs]}" "$c" $MV "$MISS_PID"
    if [ -n "${GURI[$cs]:-}" ]; then
      warm_glance
      run_wrk glance-direct "$cs" "$GLANCE_URL${GURI[$cs]}" "$c" ""
    fi
    case $cs in
    detail-500 | detail-1000) [ "${cs#detail-}" -gt "$GPAGE" ] && run_paged "$cs" "${cs#detail-}" "$c" ;;
    esac
  done
done
fact rss-miss-after-kb "$(kb "$(pid_of imagegw-miss)" VmRSS)"
stop_bg imagegw-hit
stop_bg imagegw-miss

# --- 5: nova-api Zed ----------------------------------------------------------------
if [ "$BENCH_NOVA" = 1 ]; then
  say "nova-api Zed ($NOVA_URL), $CONNS connections"
  NOVA_ROOT=${NOVA_URL%/v2.1}
  for cs in "${CASES[@]}"; do # warm up: keystonemiddleware validates the token once
    curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "$NOVA_ROOT${URI[$cs]}" || die "nova-api: ${URI[$cs]} failed"
  done
  for cs in "${CASES[@]}"; do
    warm_glance
    run_wrk nova-api "$cs" "$NOVA_ROOT${URI[$cs]}" "$CONNS"
  done
fi

if [ "$BENCH_NOVA" = 1 ]; then
  # shellcheck source=scripts/bench/passthrough.sh
  . scripts/bench/passthrough.sh
fi

# shellcheck source=scripts/bench/fill.sh
. scripts/bench/fill.sh
# shellcheck source=scripts/bench/freshness.sh
. scripts/bench/freshness.sh
# shellcheck source=scripts/bench/replicas.sh
. scripts/bench/replicas.sh

# --- report ---------------------------------------------------------------------------
ftext load-end "$(cut -d' ' -f1-3 /proc/loadavg)"
CMD="make bench"
[ "$BENCH_NOVA" = 1 ] || CMD="make bench BENCH_NOVA=0"
mkdir -p "$OUT"
"$TOOL" report -in "$RAW" -out "$OUT" -connections "$CONNS" -command "$CMD  (= bash scripts/bench.sh)" ${PROF:+-profile "$PROF"} >"$W/report.md"
cp "$RAW" "$OUT/raw.jsonl"
say "done in $(($(date +%s) - T0)) s: $OUT/results.md, results.json, results.csv, raw.jsonl, chart.png"
