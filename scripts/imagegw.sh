#!/bin/bash
# Start or stop imagegw in the background against the local cloud of
# scripts/cloud (used by `make run` / `make stop`).
#   scripts/imagegw.sh start   # build must exist at bin/imagegw
#   scripts/imagegw.sh stop
# PID in $IMAGEGW_CLOUD_DIR/run/imagegw.pid, log in $IMAGEGW_CLOUD_DIR/log/imagegw.log.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${IMAGEGW_CLOUD_DIR:-/tmp/imagegw-cloud}
LISTEN=${IMAGEGW_LISTEN:-127.0.0.1:8774}
PIDF=$D/run/imagegw.pid
LOG=$D/log/imagegw.log
BIN=$(pwd)/bin/imagegw

running() { [ -s "$PIDF" ] && [ -d "/proc/$(cat "$PIDF")" ] && tr '\0' ' ' <"/proc/$(cat "$PIDF")/cmdline" | grep -q imagegw; }

case "${1:-}" in
start)
  if running; then
    echo "imagegw already running, pid $(cat "$PIDF") (scripts/imagegw.sh stop first to restart)"
  else
    mkdir -p "$D/run" "$D/log"
    (exec 3<>"/dev/tcp/${LISTEN%:*}/${LISTEN##*:}") 2>/dev/null && { echo "imagegw: $LISTEN is already in use" >&2; exit 1; }
    # the local cloud's RabbitMQ carries Glance's notifications: the cache
    # follows changes made in Glance, so it runs with the production
    # setting of the README (10 min lifetimes; without a bus the defaults are short)
    bus=$(sed -n 's/^BUS_URL=//p' "$D/cloud.env" 2>/dev/null | tr -d "'")
    ttl=""
    [ -n "${IMAGEGW_NOTIFICATIONS_URL:-$bus}" ] && ttl=10m
    IMAGEGW_NOTIFICATIONS_URL=${IMAGEGW_NOTIFICATIONS_URL:-$bus} OS_CLIENT_CONFIG_FILE=$D/clouds.yaml \
      IMAGEGW_CACHE_TTL_LIST=${IMAGEGW_CACHE_TTL_LIST:-$ttl} IMAGEGW_CACHE_TTL_IMAGE=${IMAGEGW_CACHE_TTL_IMAGE:-$ttl} \
      IMAGEGW_CACHE_TTL_METADATA=${IMAGEGW_CACHE_TTL_METADATA:-$ttl} \
      setsid "$BIN" --listen "$LISTEN" --cloud imagegw </dev/null >>"$LOG" 2>&1 &
    echo $! >"$PIDF"
    for _ in $(seq 100); do
      curl -s -o /dev/null "http://$LISTEN/" && break
      running || { tail -20 "$LOG" >&2; echo "imagegw failed to start (log: $LOG)" >&2; exit 1; }
      sleep 0.1
    done
    echo "imagegw running on http://$LISTEN, pid $(cat "$PIDF"), log $LOG"
  fi
  # shellcheck disable=SC1091
  . "$D/cloud.env"
  cat <<MSG

Try it (a token for user demo, then the legacy image list at microversion 2.35):

  TOKEN=\$(curl -si -X POST $KEYSTONE_URL/auth/tokens -H 'Content-Type: application/json' \\
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"id":"default"},"password":"secret"}}},"scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}' \\
    | awk 'tolower(\$1)=="x-subject-token:"{print \$2}' | tr -d '\r')
  curl -s -H "X-Auth-Token: \$TOKEN" -H 'X-OpenStack-Nova-API-Version: 2.35' http://$LISTEN/v2.1/images

Operator endpoints (Prometheus metrics; /migration needs an admin token):

  curl -s http://${IMAGEGW_OPERATOR_LISTEN:-127.0.0.1:9774}/metrics | grep imagegw_requests_total

Stop everything with: make stop
MSG
  ;;
stop)
  if running; then
    kill -TERM "$(cat "$PIDF")"
    for _ in $(seq 100); do running || break; sleep 0.1; done
    echo "imagegw stopped"
  else
    echo "imagegw not running"
  fi
  rm -f "$PIDF"
  ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
