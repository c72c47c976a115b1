#!/bin/bash
# The replicas of issue 17 on this machine: the local cloud (Keystone,
# Glance, RabbitMQ, Redis), N imagegw processes coordinated through Redis,
# and HAProxy in front of them (deploy/haproxy.cfg), all on loopback.
#   scripts/fleet.sh start [N]   # idempotent; bin/imagegw must exist (make build)
#   scripts/fleet.sh stop        # the replicas and HAProxy, by recorded PID
# Environment: IMAGEGW_CLOUD_DIR (/tmp/imagegw-cloud), FLEET_LISTEN
# (HAProxy, 127.0.0.1:8774), FLEET_BASE_PORT (replica i listens on base+i,
# 8780), FLEET_OPS_BASE (its operator listener, 9780+i).
set -euo pipefail
cd "$(dirname "$0")/.."
D=${IMAGEGW_CLOUD_DIR:-/tmp/imagegw-cloud}
LISTEN=${FLEET_LISTEN:-127.0.0.1:8774}
BASE=${FLEET_BASE_PORT:-8780}
OPS=${FLEET_OPS_BASE:-9780}
BIN=$(pwd)/bin/imagegw
N=${2:-${REPLICAS:-3}}

die() { echo "fleet: ERROR: $*" >&2; exit 1; }
ours() { # pidfile pattern: a live process of ours
  [ -s "$1" ] && [ -d "/proc/$(cat "$1")" ] && tr '\0' ' ' <"/proc/$(cat "$1")/cmdline" | grep -qF -- "$2"
}
busy() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
start_bg() { # pidfile log cmd...
  local pidf=$1 log=$2; shift 2
  setsid /bin/bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" </dev/null >>"$log" 2>&1 &
  for _ in $(seq 50); do [ -s "$pidf" ] && return 0; sleep 0.1; done
  die "$* did not start"
}
wait_port() { # addr pidfile what
  for _ in $(seq 150); do
    busy "$1" && return 0
    ours "$2" "" || die "$3 exited (see $D/log/)"
    sleep 0.1
  done
  die "$3 did not listen on $1"
}
stop_pid() { # pidfile pattern
  ours "$1" "$2" || { rm -f "$1"; return 0; }
  local pid
  pid=$(cat "$1")
  kill -TERM "$pid"
  for _ in $(seq 300); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  [ -d "/proc/$pid" ] && kill -KILL "$pid"
  rm -f "$1"
}

case "${1:-}" in
start)
  [[ "$N" =~ ^[1-9][0-9]?$ ]] || die "bad replica count '$N'"
  [ -x "$BIN" ] || die "$BIN missing (make build)"
  bash scripts/cloud/up.sh | tail -1
  if ! command -v haproxy >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >/dev/null ||
      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >/dev/null; }
  fi
  # shellcheck disable=SC1091
  . "$D/cloud.env"
  mkdir -p "$D/run" "$D/log" "$D/etc"
  servers=""
  for i in $(seq "$N"); do
    addr=127.0.0.1:$((BASE + i)) pidf=$D/run/imagegw-$i.pid
    servers+="    server imagegw$i $addr check"$'\n'
    if ours "$pidf" "$BIN"; then continue; fi
    busy "$addr" && die "$addr is in use"
    IMAGEGW_REDIS_URL=$REDIS_URL IMAGEGW_NOTIFICATIONS_URL=$BUS_URL IMAGEGW_OPERATOR_LISTEN=127.0.0.1:$((OPS + i)) \
      IMAGEGW_CACHE_TTL_LIST=10m IMAGEGW_CACHE_TTL_IMAGE=10m IMAGEGW_CACHE_TTL_METADATA=10m \
      OS_CLIENT_CONFIG_FILE=$D/clouds.yaml start_bg "$pidf" "$D/log/imagegw-$i.log" "$BIN" --cloud imagegw --listen "$addr"
    wait_port "$addr" "$pidf" "imagegw replica $i"
  done
  # deploy/haproxy.cfg with this fleet's address and replicas
  sed -e "s|^    bind .*|    bind $LISTEN|" -e '/^    server /d' deploy/haproxy.cfg >"$D/etc/haproxy.cfg"
  printf '%s' "$servers" >>"$D/etc/haproxy.cfg"
  haproxy -c -q -f "$D/etc/haproxy.cfg" || die "haproxy rejects $D/etc/haproxy.cfg"
  if ours "$D/run/haproxy.pid" "haproxy"; then
    kill -USR2 "$(cat "$D/run/haproxy.pid")" # master-worker: reload the new server list
  else
    busy "$LISTEN" && die "$LISTEN is in use"
    start_bg "$D/run/haproxy.pid" "$D/log/haproxy.log" haproxy -W -db -f "$D/etc/haproxy.cfg"
    wait_port "$LISTEN" "$D/run/haproxy.pid" haproxy
  fi
  echo "fleet: $N imagegw replicas (127.0.0.1:$((BASE + 1))-$((BASE + N)), Redis $REDIS_URL) behind HAProxy on http://$LISTEN"
  cat <<MSG

Try it (a demo token, then the legacy image list through HAProxy):

  TOKEN=\$(curl -si -X POST $KEYSTONE_URL/auth/tokens -H 'Content-Type: application/json' \\
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"id":"default"},"password":"secret"}}},"scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}' \\
    | awk 'tolower(\$1)=="x-subject-token:"{print \$2}' | tr -d '\r')
  curl -s -H "X-Auth-Token: \$TOKEN" -H 'X-OpenStack-Nova-API-Version: 2.35' http://$LISTEN/v2.1/images

Each replica's /readyz and /metrics: http://127.0.0.1:$((OPS + 1))/readyz … ; stop with: make stop
MSG
  ;;
stop)
  stop_pid "$D/run/haproxy.pid" haproxy
  for f in "$D"/run/imagegw-*.pid; do
    [ -e "$f" ] && stop_pid "$f" "$BIN"
  done
  echo "fleet: stopped"
  ;;
*)
  echo "usage: $0 start [N] | stop" >&2
  exit 2
  ;;
esac
