#!/bin/bash
# Stop exactly the daemons that up.sh started (and region2.sh's Glance,
# redis-ha.sh's Redis topologies, when a test left them). For each
# $IMAGEGW_CLOUD_DIR/run/<svc>.pid the recorded PID is a session/process-group
# leader created by up.sh (setsid), so its whole group (uwsgi workers, the
# forked glance/nova workers) gets SIGTERM, then SIGKILL after 15 s. Nothing
# is matched by name. State under $IMAGEGW_CLOUD_DIR is kept; --purge deletes
# it too.
#
#   bash scripts/cloud/down.sh [--purge]
set -euo pipefail
D=${IMAGEGW_CLOUD_DIR:-/tmp/imagegw-cloud}
PURGE=0
case "${1:-}" in
  --purge) PURGE=1 ;;
  "") ;;
  *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
esac
if [ ! -d "$D" ]; then
  echo "imagegw-cloud: $D does not exist, nothing to stop"
  exit 0
fi
D=$(cd "$D" && pwd)
exec 9>"$D/.lock"             # wait for a running up.sh on this state dir
flock -w 900 9 || { echo "imagegw-cloud: timed out waiting for $D/.lock" >&2; exit 1; }

# expected cmdline per service, guards against recycled PIDs
declare -A EXPECT=(
  [nova-api]="nova-api --config-file $D/etc/nova/nova.conf"
  [glance-api]="glance-api --config-file $D/etc/glance/glance-api.conf"
  [glance2]="glance-api --config-file $D/etc/glance/glance2-api.conf"
  [keystone]="uwsgi --ini $D/etc/keystone/uwsgi.ini"
  [rabbitmq]="/bin/sh $D/etc/rabbitmq/run.sh"
  [redis]="/usr/bin/redis-server $D/etc/redis/redis.conf"
)

group_alive() { kill -0 -- "-$1" 2>/dev/null; }
pgid_of() { # field 5 of /proc/PID/stat (after the parenthesised comm)
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  set -- $rest
  echo "$3"
}

for svc in nova-api glance2 glance-api keystone rabbitmq redis; do
  f="$D/run/$svc.pid"
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  [[ "$pid" =~ ^[0-9]+$ ]] && [ "$pid" -gt 1 ] || { echo "$svc: bad pid file $f"; rm -f "$f"; continue; }
  if [ ! -d "/proc/$pid" ]; then
    echo "$svc: pid $pid not running"
    if group_alive "$pid"; then
      # leader gone but group members left behind (should not happen)
      kill -KILL -- "-$pid" 2>/dev/null || true
      echo "$svc: killed leftover members of process group $pid"
    fi
    rm -f "$f"; continue
  fi
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  pgid=$(pgid_of "$pid" || true)
  if [[ "$cmd" != *"${EXPECT[$svc]}"* ]] || [ "$pgid" != "$pid" ]; then
    echo "$svc: pid $pid is not ours ($cmd, pgid $pgid); leaving it alone"
    continue
  fi
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 60); do group_alive "$pid" || break; sleep 0.25; done
  if group_alive "$pid"; then
    kill -KILL -- "-$pid" 2>/dev/null || true
    echo "$svc: process group $pid killed (SIGKILL)"
  else
    echo "$svc: stopped (process group $pid)"
  fi
  rm -f "$f"
done

# the Sentinel group and Cluster of scripts/redis-ha.sh, if a test left them
if [ -d "$D/redis-ha" ]; then
  IMAGEGW_CLOUD_DIR=$D bash "$(dirname "${BASH_SOURCE[0]}")/../redis-ha.sh" stop
fi

if [ "$PURGE" = 1 ]; then
  case "$D" in /|/tmp|/usr|/etc|/var|/home|/root|/work) echo "refusing to purge $D"; exit 1;; esac
  # only a directory that up.sh created
  if [ ! -d "$D/run" ] || [ ! -d "$D/etc/keystone" ]; then
    echo "refusing to purge $D: does not look like an up.sh state dir"; exit 1
  fi
  rm -rf "$D"
  echo "purged $D"
fi
