#!/bin/bash
# Bounded soak test of imagegw (issue 9; `make soak`, not part of `make test`).
# Builds bin/imagegw and bin/imagegw-soak, starts imagegw on a free loopback
# port against the cloud of scripts/cloud (which must be up and seeded:
# scripts/cloud/up.sh && /usr/bin/python3 scripts/cloud/seed.py), runs
# cmd/imagegw-soak against it, then stops imagegw by its PID.
#
#   SOAK_MINUTES  load phase in minutes       (default 5)
#   SOAK_SECONDS  ... in seconds, overrides SOAK_MINUTES (short runs)
#   SOAK_RATE     total requests per second    (default 50)
#   SOAK_REPORT   report file                  (default bench/results/soak.md)
#   IMAGEGW_CLOUD_DIR  cloud state dir         (default /tmp/imagegw-cloud)
# Extra arguments go to imagegw-soak (e.g. --workers 16 --seed 1).
#
# imagegw's log: bench/tmp/soak-imagegw.log. Exit status: imagegw-soak's
# (0 PASS, 1 FAIL, 2 setup error).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$HOME/go/bin:$PATH
D=${IMAGEGW_CLOUD_DIR:-/tmp/imagegw-cloud}
GO=${GO:-go}
RATE=${SOAK_RATE:-50}
REPORT=${SOAK_REPORT:-bench/results/soak.md}
if [ -n "${SOAK_SECONDS:-}" ]; then
  SECS=$SOAK_SECONDS
else
  SECS=$(( ${SOAK_MINUTES:-5} * 60 ))
fi
[[ "$SECS" =~ ^[0-9]+$ ]] && [ "$SECS" -gt 0 ] || { echo "soak: bad SOAK_SECONDS/SOAK_MINUTES" >&2; exit 2; }

for f in cloud.env clouds.yaml seed.json; do
  [ -s "$D/$f" ] || { echo "soak: $D/$f missing; start and seed the cloud first:" >&2
    echo "  IMAGEGW_CLOUD_DIR=$D bash scripts/cloud/up.sh && IMAGEGW_CLOUD_DIR=$D /usr/bin/python3 scripts/cloud/seed.py" >&2; exit 2; }
done

echo "soak: building bin/imagegw and bin/imagegw-soak"
"$GO" build -o bin/imagegw ./cmd/imagegw
"$GO" build -o bin/imagegw-soak ./cmd/imagegw-soak

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LISTEN=127.0.0.1:$PORT
mkdir -p bench/tmp "$(dirname "$REPORT")"
LOG=bench/tmp/soak-imagegw.log
: >"$LOG"

# Plain asynchronous command (no subshell): $! is imagegw itself, in its own
# session, with no pipe of ours held open.
IMAGEGW_OPERATOR_LISTEN=${IMAGEGW_OPERATOR_LISTEN:-none} OS_CLIENT_CONFIG_FILE=$D/clouds.yaml setsid "$(pwd)/bin/imagegw" --cloud imagegw --listen "$LISTEN" </dev/null >>"$LOG" 2>&1 &
PID=$!
echo "$PID" >bench/tmp/soak-imagegw.pid

ours() { [ -d "/proc/$PID" ] && tr '\0' ' ' <"/proc/$PID/cmdline" | grep -q "bin/imagegw --cloud imagegw --listen $LISTEN"; }
stop_imagegw() {
  if ours; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 300); do ours || break; sleep 0.1; done   # shutdown_grace is 20 s
    if ours; then kill -KILL "$PID" 2>/dev/null || true; echo "soak: imagegw pid $PID killed (SIGKILL)"; else echo "soak: imagegw pid $PID stopped"; fi
  fi
  rm -f bench/tmp/soak-imagegw.pid
}
trap stop_imagegw EXIT
trap 'exit 130' INT TERM

ready=0
for _ in $(seq 600); do
  ours || { tail -20 "$LOG" >&2; echo "soak: imagegw exited at start (log $LOG)" >&2; exit 2; }
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$LISTEN/readyz" || true)" = 200 ]; then ready=1; break; fi
  sleep 0.1
done
[ "$ready" = 1 ] || { tail -20 "$LOG" >&2; echo "soak: imagegw not ready after 60 s (log $LOG)" >&2; exit 2; }
echo "soak: imagegw pid $PID on http://$LISTEN (cloud $D, log $LOG)"

rc=0
bin/imagegw-soak --target "http://$LISTEN" --pid "$PID" --cloud-dir "$D" \
  --duration "${SECS}s" --rate "$RATE" --report "$REPORT" "$@" || rc=$?
# imagegw's settings from its environment (e.g. IMAGEGW_TOKEN_CACHE_TTL), read from the process itself
if ours && [ -f "$REPORT" ]; then
  settings=$(tr '\0' '\n' <"/proc/$PID/environ" | grep -E '^(IMAGEGW_|GOGC|GOMEMLIMIT)' |
    grep -vE '^IMAGEGW_(CLOUD_DIR|KEYSTONE_PORT|GLANCE_PORT|NOVA_PORT|CLOUD_NOVA)=' | sort | tr '\n' ' ')
  printf '\n- imagegw settings from its environment: %s\n' "${settings:-none (defaults)}" >>"$REPORT"
fi

n5=$(grep -c '"status":5[0-9][0-9]' "$LOG" || true)
echo "soak: imagegw log $LOG: $(wc -l <"$LOG") lines, $n5 with a 5xx status"
exit "$rc"
