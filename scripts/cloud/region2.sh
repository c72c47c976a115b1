#!/bin/bash
# A second region for the test cloud (issue 18: one imagegw for several
# regions): a glance-api of its own (its own database and store, from the
# cloud's glance-api.conf, no notifications) and, in the cloud's Keystone,
# RegionTwo with that Glance as its image endpoint and the cloud's nova-api
# under a second compute endpoint (two nova-api cannot share the test
# cloud's one sqlite cell). Run after scripts/cloud/up.sh.
#   scripts/cloud/region2.sh start   # idempotent; prints REGION2_GLANCE_URL=
#   scripts/cloud/region2.sh stop    # the glance-api, by recorded PID
# Environment: IMAGEGW_CLOUD_DIR (/tmp/imagegw-cloud), REGION2_GLANCE_PORT
# (the cloud's Glance port + 1).
set -euo pipefail
D=${IMAGEGW_CLOUD_DIR:-/tmp/imagegw-cloud}
HOST=127.0.0.1
die() { echo "region2: ERROR: $*" >&2; exit 1; }
[ -f "$D/cloud.env" ] || die "$D/cloud.env missing: run scripts/cloud/up.sh first"
# shellcheck disable=SC1091
. "$D/cloud.env"
GL_PORT=${GLANCE_URL##*:}
PORT=${REGION2_GLANCE_PORT:-$((GL_PORT + 1))}
G=$D/glance2 CONF=$D/etc/glance/glance2-api.conf PIDF=$D/run/glance2.pid
busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
ours() { [ -s "$PIDF" ] && [ -d "/proc/$(cat "$PIDF")" ] && tr '\0' ' ' <"/proc/$(cat "$PIDF")/cmdline" | grep -qF -- "$CONF"; }
cli() { OS_CLIENT_CONFIG_FILE=$D/clouds.yaml openstack --os-cloud admin "$@"; }

start() {
  command -v openstack >/dev/null || bash "$(dirname "$0")/../clients/install.sh"
  if ! ours; then
    busy "$PORT" && die "port $PORT is in use"
    mkdir -p "$G"/{images,staging,tasks,cache,lock}
    sed -e "s|^bind_port = .*|bind_port = $PORT|" -e "s|$D/glance/|$G/|g" -e "s|$D/log/glance-api.log|$D/log/glance2-api.log|" \
      -e "s|^driver = messagingv2|driver = noop|" "$D/etc/glance/glance-api.conf" >"$CONF"
    [ -e "$G/.db-done" ] || { glance-manage --config-file "$CONF" db_sync >>"$D/log/glance2-manage.out" 2>&1 && touch "$G/.db-done"; }
    setsid /bin/bash -c 'echo $$ >"$0"; exec "$@"' "$PIDF" glance-api --config-file "$CONF" </dev/null >>"$D/log/glance2.stdout" 2>&1 &
    for _ in $(seq 600); do curl -s -o /dev/null "http://$HOST:$PORT/versions" && break; ours || die "glance2 exited (see $D/log/glance2-api.log)"; sleep 0.1; done
  fi
  # RegionTwo in the catalog: its Glance, and the cloud's nova-api
  cli region show RegionTwo >/dev/null 2>&1 || cli region create RegionTwo >/dev/null
  want() { # service interface url
    local id
    id=$(cli endpoint list --service "$1" --region RegionTwo --interface "$2" -f value -c ID)
    if [ -z "$id" ]; then cli endpoint create --region RegionTwo "$1" "$2" "$3" >/dev/null
    else cli endpoint set --url "$3" "$id"; fi
  }
  for i in public internal; do
    want image "$i" "http://$HOST:$PORT"
    [ -n "${NOVA_URL:-}" ] && want compute "$i" "$NOVA_URL"
  done
  echo "REGION2_GLANCE_URL=http://$HOST:$PORT"
}

case "${1:-}" in
start) start ;;
stop)
  if ours; then
    kill -TERM -- "-$(cat "$PIDF")" 2>/dev/null || true
    for _ in $(seq 100); do ours || break; sleep 0.1; done
  fi
  rm -f "$PIDF"
  echo "region2: stopped"
  ;;
*) echo "usage: $0 start | stop" >&2; exit 2 ;;
esac
