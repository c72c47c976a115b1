#!/bin/bash
# The two highly available Redis topologies imagegw replicas can
# coordinate through (issue 17), from Debian's redis-server, on loopback:
#   a Sentinel group: a master, one replica and three sentinels (quorum 2,
#     deploy/sentinel.conf), named "imagegw";
#   a Cluster: three masters (no replicas), slots spread by redis-cli.
# Every node starts from deploy/redis.conf (later directives win); logs
# in $D/log/redis-ha-<port>.log outlive a stop.
#   scripts/redis-ha.sh start    # idempotent; writes $D/redis-ha.env
#   scripts/redis-ha.sh stop     # by recorded PID; forgets their state
# Environment: IMAGEGW_CLOUD_DIR (/tmp/imagegw-cloud), REDIS_HA_BASE_PORT
# (26379: master base, replica +1, sentinels +2..+4, cluster +11..+13 with
# their bus ports 10000 above).
set -euo pipefail
cd "$(dirname "$0")/.."
D=${IMAGEGW_CLOUD_DIR:-/tmp/imagegw-cloud}
H=$D/redis-ha
P=${REDIS_HA_BASE_PORT:-26379}
HOST=127.0.0.1
MASTER=$P REPLICA=$((P + 1)) SENTINELS="$((P + 2)) $((P + 3)) $((P + 4))"
NODES="$((P + 11)) $((P + 12)) $((P + 13))"

die() { echo "redis-ha: ERROR: $*" >&2; exit 1; }
ours() { # port: the live redis-server of ours on it
  local f=$H/run/$1.pid
  [ -s "$f" ] && [ -d "/proc/$(cat "$f")" ] && tr '\0' ' ' <"/proc/$(cat "$f")/cmdline" | grep -qF -- "$H/$1/"
}
busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
cli() { redis-cli -h $HOST -p "$@"; }

conf() { # port extra-directives...: a node's config from deploy/redis.conf
  local port=$1; shift
  mkdir -p "$H/$port"
  {
    cat deploy/redis.conf
    printf '%s\n' "port $port" "bind $HOST" "dir $H/$port" "logfile $D/log/redis-ha-$port.log" \
      'proc-title-template "{title} {config-file}"' "$@"
  } >"$H/$port/redis.conf"
}
run() { # port [--sentinel]: start it in its own session, PID recorded
  local port=$1; shift
  busy "$port" && die "port $port is in use by a process not of $H"
  setsid /bin/bash -c 'echo $$ >"$0"; exec "$@"' "$H/run/$port.pid" \
    /usr/bin/redis-server "$H/$port/redis.conf" "$@" </dev/null >>"$H/$port/stdout" 2>&1 &
  for _ in $(seq 100); do busy "$port" && return 0; sleep 0.05; done
  die "redis-server on $port did not listen (see $H/$port/)"
}
stop_all() {
  for f in "$H"/run/*.pid; do
    [ -e "$f" ] || continue
    p=$(basename "$f" .pid)
    if ours "$p"; then kill -KILL "$(cat "$f")"; fi # nothing in them must outlive a stop
    rm -f "$f"
    # a start right after must find the port free (run dies on a busy one)
    for _ in $(seq 100); do busy "$p" || break; sleep 0.05; done
  done
  rm -rf "$H"
}
all_up() {
  for p in $MASTER $REPLICA $SENTINELS $NODES; do ours "$p" || return 1; done
  cli "$((P + 11))" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

start() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || bash scripts/cloud/up.sh >/dev/null
  if all_up; then echo "redis-ha: already running"; else
    stop_all # a topology half there (a node killed by a test) starts over
    mkdir -p "$H/run" "$D/log"
    conf "$MASTER" && run "$MASTER"
    conf "$REPLICA" "replicaof $HOST $MASTER" && run "$REPLICA"
    for s in $SENTINELS; do
      mkdir -p "$H/$s"
      # Sentinel rewrites its file (what it learns): a copy per sentinel
      { sed "s/^sentinel monitor imagegw .*/sentinel monitor imagegw $HOST $MASTER 2/" deploy/sentinel.conf
        printf '%s\n' "port $s" "bind $HOST" "dir $H/$s" "logfile $D/log/redis-ha-$s.log" 'proc-title-template "{title} {config-file}"'
      } >"$H/$s/redis.conf"
      run "$s" --sentinel
    done
    for n in $NODES; do
      conf "$n" "cluster-enabled yes" "cluster-config-file nodes.conf" "cluster-node-timeout 2000" && run "$n"
    done
    # shellcheck disable=SC2046
    redis-cli --cluster create $(printf "$HOST:%s " $NODES) --cluster-replicas 0 --cluster-yes >"$H/cluster-create.log" 2>&1 ||
      die "redis-cli --cluster create failed (see $H/cluster-create.log)"
    for _ in $(seq 100); do all_up && break; sleep 0.1; done
    all_up || die "the cluster did not reach cluster_state:ok"
    for _ in $(seq 100); do # the sentinels know the replica and each other
      [ "$(cli "${SENTINELS%% *}" sentinel master imagegw 2>/dev/null | grep -A1 -x num-other-sentinels | tail -1)" = 2 ] &&
        [ "$(cli "${SENTINELS%% *}" sentinel replicas imagegw 2>/dev/null | grep -c -x "$HOST")" -ge 1 ] && break
      sleep 0.1
    done
  fi
  set -- $SENTINELS
  echo "REDIS_SENTINEL_URL=redis://$HOST:$1?addr=$HOST:$2&addr=$HOST:$3&master_set=imagegw" >"$D/redis-ha.env"
  set -- $NODES
  echo "REDIS_CLUSTER_URL=redis://$HOST:$1?addr=$HOST:$2&addr=$HOST:$3" >>"$D/redis-ha.env"
  cat "$D/redis-ha.env"
}

case "${1:-}" in
start) start ;;
stop) stop_all; rm -f "$D/redis-ha.env"; echo "redis-ha: stopped" ;;
*) echo "usage: $0 start | stop" >&2; exit 2 ;;
esac
