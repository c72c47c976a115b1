#!/bin/bash
# Start the imagegw test cloud: a real OpenStack Zed (Debian bookworm
# packages) on 127.0.0.1 -- Keystone (uwsgi) and Glance v2 (glance-api), and
# optionally nova-api (osapi_compute only) for recording reference answers.
#
#   IMAGEGW_CLOUD_DIR      state dir             (default /tmp/imagegw-cloud)
#   IMAGEGW_KEYSTONE_PORT  Keystone port         (default 25000)
#   IMAGEGW_GLANCE_PORT    Glance port           (default 29292)
#   IMAGEGW_CLOUD_NOVA=1   also run nova-api     (default off)
#   IMAGEGW_NOVA_PORT      nova-api port         (default 28774)
#   IMAGEGW_FORCE_SETUP=1  re-run keystone_setup.py even if nothing changed
#
# Installs missing Debian packages first (apt-get, non-interactive). All state
# lives under $IMAGEGW_CLOUD_DIR. Idempotent: re-running only (re)starts what
# is not running and skips one-time init steps that already completed. Run as
# root. No systemd involved.
#
# Every daemon is started in its own session (setsid) and its PID (which is
# also its process-group id) is written to $IMAGEGW_CLOUD_DIR/run/<svc>.pid;
# down.sh stops exactly those process groups.
set -euo pipefail

T0=$(date +%s.%N)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
PY=/usr/bin/python3          # Debian python; NOT a pyenv python3 on PATH
HOST=127.0.0.1
D=${IMAGEGW_CLOUD_DIR:-/tmp/imagegw-cloud}
KS_PORT=${IMAGEGW_KEYSTONE_PORT:-25000}
GL_PORT=${IMAGEGW_GLANCE_PORT:-29292}
NOVA=${IMAGEGW_CLOUD_NOVA:-0}
NOVA_PORT=${IMAGEGW_NOVA_PORT:-28774}
# RabbitMQ, the bus Glance publishes its notifications on (Erlang
# distribution on the next port)
BUS_PORT=${IMAGEGW_BUS_PORT:-$((KS_PORT + 673))}
# Redis, what imagegw replicas coordinate through (deploy/redis.conf)
REDIS_PORT=${IMAGEGW_REDIS_PORT:-$((KS_PORT + 379))}
PASSWORD=secret

elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
log() { printf '[imagegw-cloud %6ss] %s\n' "$(elapsed)" "$*"; }
die() { echo "imagegw-cloud: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root"
for p in "$KS_PORT" "$GL_PORT" "$NOVA_PORT" "$BUS_PORT" "$REDIS_PORT"; do
  [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || die "bad port '$p'"
done
[ "$NOVA" = 1 ] || NOVA=0

# ---------------------------------------------------------------- packages
# Install whatever is missing. Note: on a machine without a policy-rc.d guard
# the Debian packages may start their own keystone (:5000), glance-api
# (:9292) or nova-api (:8774) from /etc/init.d; that does not matter, we use
# our own ports, configs and state and never talk to those.
PKGS=(keystone glance-api uwsgi-core uwsgi-plugin-python3 sqlite3 curl python3-keystoneauth1 rabbitmq-server redis-server)
need_install=0
for b in keystone-manage glance-manage glance-api uwsgi sqlite3 curl redis-server; do
  command -v "$b" >/dev/null || { need_install=1; break; }
done
[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || need_install=1
{ [ -x "$PY" ] && "$PY" -c 'import keystoneauth1' 2>/dev/null; } || need_install=1
if [ "$NOVA" = 1 ]; then
  PKGS+=(nova-api)
  for b in nova-api nova-manage; do
    command -v "$b" >/dev/null || need_install=1
  done
fi
if [ "$need_install" = 1 ]; then
  log "installing missing packages: ${PKGS[*]}"
  export DEBIAN_FRONTEND=noninteractive
  APT_OPTS=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  # apt-get update only when the package lists do not know the packages yet
  # or the install fails with the current lists (stale mirror indices)
  if ! apt-cache show keystone >/dev/null 2>&1; then
    apt-get update -q >"/tmp/imagegw-cloud-apt.$$.log" 2>&1 \
      || { cat "/tmp/imagegw-cloud-apt.$$.log" >&2; die "apt-get update failed"; }
  fi
  if ! apt-get install "${APT_OPTS[@]}" "${PKGS[@]}" </dev/null >>"/tmp/imagegw-cloud-apt.$$.log" 2>&1; then
    apt-get update -q >>"/tmp/imagegw-cloud-apt.$$.log" 2>&1 || true
    apt-get install "${APT_OPTS[@]}" "${PKGS[@]}" </dev/null >>"/tmp/imagegw-cloud-apt.$$.log" 2>&1 \
      || { tail -40 "/tmp/imagegw-cloud-apt.$$.log" >&2; die "apt-get install failed"; }
  fi
  rm -f "/tmp/imagegw-cloud-apt.$$.log"
  hash -r
  log "packages installed"
fi
for b in keystone-manage glance-manage glance-api uwsgi sqlite3 curl awk setsid flock; do
  command -v "$b" >/dev/null || die "missing $b after installing packages"
done
[ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || die "missing uwsgi python3 plugin"
"$PY" -c 'import keystoneauth1' || die "$PY cannot import keystoneauth1"
if [ "$NOVA" = 1 ]; then
  for b in nova-api nova-manage; do command -v "$b" >/dev/null || die "missing $b"; done
fi

# ---------------------------------------------------------------- state dir
mkdir -p "$D"
D=$(cd "$D" && pwd)
cd "$D"                       # daemons inherit this cwd
# one up.sh/down.sh at a time per state dir (e.g. parallel `go test` packages
# all calling up.sh); the daemons do not inherit the lock fd (see start_svc)
exec 9>"$D/.lock"
flock -w 900 9 || die "timed out waiting for the lock on $D/.lock"
mkdir -p "$D"/{etc/keystone,etc/glance,log,run} \
         "$D"/keystone/{fernet-keys,credential-keys} \
         "$D"/glance/{images,staging,tasks,cache,lock} \
         "$D"/etc/rabbitmq "$D"/rabbitmq/{mnesia,log,home} "$D"/etc/redis "$D"/redis
chmod 700 "$D"/keystone/fernet-keys "$D"/keystone/credential-keys
[ "$NOVA" = 1 ] && mkdir -p "$D"/etc/nova "$D"/nova/lock

# ---------------------------------------------------------------- helpers
# pid_alive SVC PATTERN -> 0 if run/SVC.pid names a live process whose
# cmdline contains PATTERN (guards against recycled PIDs).
pid_alive() {
  local f="$D/run/$1.pid" pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [ -d "/proc/$pid" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# start_svc SVC PORT CMD... : start CMD in a new session, PID -> run/SVC.pid
start_svc() {
  local svc=$1 port=$2; shift 2
  if port_busy "$port"; then
    die "port $port already in use by a process not recorded in $D/run/$svc.pid"
  fi
  rm -f "$D/run/$svc.pid"
  # A plain asynchronous simple command: no subshell/list around it, which
  # would stay alive as the daemon's parent holding the caller's stdout, so
  # `up.sh | cat`, make or Go's exec with captured output would never see
  # EOF. The bash -c wrapper closes every inherited fd above 2, writes its
  # own PID and execs the daemon: the recorded PID is the daemon itself and,
  # thanks to setsid, also its session and process-group id. stdout/stderr
  # go to a log file, stdin is /dev/null.
  setsid /bin/bash -c '
      for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done
      echo $$ > "$0"; exec "$@"' \
    "$D/run/$svc.pid" "$@" </dev/null >>"$D/log/$svc.stdout" 2>&1 &
  for _ in $(seq 50); do [ -s "$D/run/$svc.pid" ] && break; sleep 0.1; done
  [ -s "$D/run/$svc.pid" ] || die "$svc did not start"
  log "$svc started, pid $(cat "$D/run/$svc.pid")"
}

# wait_http URL EXPECTED_CODE TIMEOUT SVC
wait_http() {
  local url=$1 want=$2 t=$3 svc=$4 code
  for _ in $(seq $((t * 4))); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)
    [ "$code" = "$want" ] && return 0
    if ! pid_alive "$svc" ""; then
      tail -30 "$D/log/$svc.stdout" "$D/log/$svc.log" 2>/dev/null >&2 || true
      die "$svc died during startup (see $D/log/)"
    fi
    sleep 0.25
  done
  die "$url did not answer $want within ${t}s (last: $code)"
}

wal() { sqlite3 "$1" 'PRAGMA journal_mode=WAL;' >/dev/null; }

# ---------------------------------------------------------------- configs
. "$HERE/configs.sh"

# ---------------------------------------------------------------- databases
# One-time init, guarded by marker files. The Glance (and Nova) schema syncs
# run in the background while Keystone is initialised.
KSC="--config-file $D/etc/keystone/keystone.conf"
init_keystone() {
  [ -e "$D/keystone/.db-done" ] && return 0
  keystone-manage $KSC db_sync
  wal "$D/keystone/keystone.db"
  keystone-manage $KSC fernet_setup --keystone-user root --keystone-group root
  keystone-manage $KSC credential_setup --keystone-user root --keystone-group root
  keystone-manage $KSC bootstrap --bootstrap-password "$PASSWORD" \
    --bootstrap-username admin --bootstrap-project-name admin \
    --bootstrap-role-name admin --bootstrap-service-name keystone \
    --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "http://$HOST:$KS_PORT/v3" \
    --bootstrap-public-url "http://$HOST:$KS_PORT/v3" \
    --bootstrap-internal-url "http://$HOST:$KS_PORT/v3"
  touch "$D/keystone/.db-done"
}
init_glance() {
  [ -e "$D/glance/.db-done" ] && return 0
  glance-manage --config-file "$D/etc/glance/glance-api.conf" db_sync
  wal "$D/glance/glance.db"
  touch "$D/glance/.db-done"
}
init_nova() {
  [ "$NOVA" = 1 ] || return 0
  [ -e "$D/nova/.db-done" ] && return 0
  # cell0/cell1 mappings are not needed by the images API (nova-manage only
  # warns "cell0 mapping not found - not syncing cell0")
  nova-manage --config-file "$D/etc/nova/nova.conf" api_db sync
  nova-manage --config-file "$D/etc/nova/nova.conf" db sync
  wal "$D/nova/nova_api.db"
  wal "$D/nova/nova.db"
  touch "$D/nova/.db-done"
}
if [ ! -e "$D/keystone/.db-done" ] || [ ! -e "$D/glance/.db-done" ] \
   || { [ "$NOVA" = 1 ] && [ ! -e "$D/nova/.db-done" ]; }; then
  log "initialising databases in parallel"
  # (background + wait, because set -e is ignored in a subshell used with ||)
  ( set -e; init_glance >>"$D/log/glance-manage.out" 2>&1 ) & gpid=$!
  ( set -e; init_nova >>"$D/log/nova-manage.out" 2>&1 ) & npid=$!
  ( set -e; init_keystone >>"$D/log/keystone-manage.out" 2>&1 ) & kpid=$!
  wait $kpid || die "keystone init failed, see $D/log/keystone-manage.out"
  wait $gpid || die "glance db_sync failed, see $D/log/glance-manage.out"
  wait $npid || die "nova db sync failed, see $D/log/nova-manage.out"
  log "databases ready"
fi

# ---------------------------------------------------------------- daemons
# glance-api and nova-api do not talk to Keystone before the first request,
# so all daemons are started at once.
KS_CMD=(uwsgi --ini "$D/etc/keystone/uwsgi.ini")
GL_CMD=(glance-api --config-file "$D/etc/glance/glance-api.conf")
NOVA_CMD=(nova-api --config-file "$D/etc/nova/nova.conf")
ensure_svc() { # SVC PORT CMD...
  local svc=$1 port=$2; shift 2
  if pid_alive "$svc" "$*"; then
    log "$svc already running, pid $(cat "$D/run/$svc.pid")"
  else
    start_svc "$svc" "$port" "$@"
  fi
}
ensure_svc rabbitmq "$BUS_PORT" /bin/sh "$D/etc/rabbitmq/run.sh"
ensure_svc redis "$REDIS_PORT" /usr/bin/redis-server "$D/etc/redis/redis.conf"
ensure_svc keystone "$KS_PORT" "${KS_CMD[@]}"
ensure_svc glance-api "$GL_PORT" "${GL_CMD[@]}"
if [ "$NOVA" = 1 ]; then
  ensure_svc nova-api "$NOVA_PORT" "${NOVA_CMD[@]}"
elif pid_alive nova-api "nova-api --config-file $D/etc/nova/nova.conf"; then
  log "note: nova-api from an earlier IMAGEGW_CLOUD_NOVA=1 run is still running (down.sh stops it)"
fi

for _ in $(seq 240); do
  port_busy "$BUS_PORT" && break
  pid_alive rabbitmq "" || die "rabbitmq died (see $D/log/rabbitmq.stdout)"
  sleep 0.25
done
port_busy "$BUS_PORT" || die "rabbitmq did not listen on $BUS_PORT within 60 s"
log "rabbitmq up on amqp://$HOST:$BUS_PORT"
# Glance's notifier declares notifications.info, which nothing here consumes
# (imagegw has its own queue): cap it so a long run or a flood test does not
# grow the broker (10025 messages, 11 MB after one make test without this).
HOME="$D/rabbitmq/home" ERL_EPMD_ADDRESS=$HOST /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "imagegw-$BUS_PORT@localhost" \
  set_policy --apply-to queues cap-notifications '^notifications\.' '{"max-length":1000}' >/dev/null
for _ in $(seq 40); do
  port_busy "$REDIS_PORT" && break
  pid_alive redis "" || die "redis died (see $D/log/redis.stdout)"
  sleep 0.25
done
port_busy "$REDIS_PORT" || die "redis did not listen on $REDIS_PORT within 10 s"
log "redis up on redis://$HOST:$REDIS_PORT"
wait_http "http://$HOST:$KS_PORT/v3" 200 90 keystone
log "keystone up on http://$HOST:$KS_PORT/v3"
# keystone_setup.py runs once per (ports, nova mode, script version); it is a
# find-or-create, so re-running it is always safe.
setup_key="ks=$KS_PORT gl=$GL_PORT nova=$NOVA/$NOVA_PORT $(sha1sum <"$HERE/keystone_setup.py" | cut -c1-12)"
if [ "$(cat "$D/keystone/.setup-done" 2>/dev/null)" != "$setup_key" ] \
   || [ ! -s "$D/keystone/ids.json" ] || [ "${IMAGEGW_FORCE_SETUP:-0}" = 1 ]; then
  log "keystone: projects/users/roles/catalog"
  IMAGEGW_CLOUD_DIR=$D IMAGEGW_KEYSTONE_PORT=$KS_PORT IMAGEGW_GLANCE_PORT=$GL_PORT \
    IMAGEGW_CLOUD_NOVA=$NOVA IMAGEGW_NOVA_PORT=$NOVA_PORT \
    "$PY" "$HERE/keystone_setup.py" </dev/null
  echo "$setup_key" >"$D/keystone/.setup-done"
fi
wait_http "http://$HOST:$GL_PORT/versions" 200 120 glance-api
log "glance up on http://$HOST:$GL_PORT"
if [ "$NOVA" = 1 ]; then
  wait_http "http://$HOST:$NOVA_PORT/" 200 120 nova-api
  log "nova-api up on http://$HOST:$NOVA_PORT"
fi

# ---------------------------------------------------------------- client files
KS_URL="http://$HOST:$KS_PORT/v3"
GL_URL="http://$HOST:$GL_PORT"
NOVA_URL="http://$HOST:$NOVA_PORT/v2.1"

cat >"$D/openrc.tmp" <<EOF
# source me: admin credentials for the imagegw test cloud (openstack CLI)
export OS_AUTH_URL=$KS_URL
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=\${OS_USERNAME:-admin}
export OS_PROJECT_NAME=\${OS_PROJECT_NAME:-admin}
export OS_PASSWORD=$PASSWORD
export OS_USER_DOMAIN_ID=default
export OS_PROJECT_DOMAIN_ID=default
export OS_REGION_NAME=RegionOne
EOF
mv -f "$D/openrc.tmp" "$D/openrc"

{
  echo "# generated by scripts/cloud/up.sh -- openstack clouds.yaml for the imagegw test cloud"
  echo "clouds:"
  # cloud user project
  for c in "imagegw imagegw service" "admin admin admin" "demo demo demo" \
           "alt alt alt" "other other other" "reader reader demo"; do
    set -- $c
    cat <<EOF
  $1:
    auth_type: password
    auth:
      auth_url: $KS_URL
      username: $2
      password: $PASSWORD
      project_name: $3
      user_domain_id: default
      project_domain_id: default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOF
  done
} >"$D/clouds.yaml.tmp"
mv -f "$D/clouds.yaml.tmp" "$D/clouds.yaml"

"$PY" - "$D" "$KS_URL" "$GL_URL" "$([ "$NOVA" = 1 ] && echo "$NOVA_URL")" "amqp://guest:guest@$HOST:$BUS_PORT/" \
  "redis://$HOST:$REDIS_PORT/0" >"$D/cloud.env.tmp" <<'EOF'
import json, shlex, sys
d, ks, gl, nova, bus, redis = sys.argv[1:7]
ids = json.load(open(d + "/keystone/ids.json"))["projects"]
lines = [("IMAGEGW_CLOUD_DIR", d), ("KEYSTONE_URL", ks), ("GLANCE_URL", gl), ("BUS_URL", bus),
         ("REDIS_URL", redis)]
if nova:
    lines.append(("NOVA_URL", nova))
lines += [("PROJECT_" + n.upper(), ids[n])
          for n in ("admin", "demo", "alt", "other", "service")]
lines.append(("CLOUDS_YAML", d + "/clouds.yaml"))
for k, v in lines:
    print("%s=%s" % (k, shlex.quote(v)))
EOF
mv -f "$D/cloud.env.tmp" "$D/cloud.env"

# ---------------------------------------------------------------- smoke test
resp=$(curl -s -i --max-time 20 -X POST "$KS_URL/auth/tokens" \
  -H 'Content-Type: application/json' \
  -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"id":"default"},"password":"'$PASSWORD'"}}},"scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}' \
  | tr -d '\r') || true
TOKEN=$(awk 'tolower($1)=="x-subject-token:" {print $2}' <<<"$resp")
[ -n "$TOKEN" ] || die "could not get a demo token"
grep -qF "\"url\": \"$GL_URL\"" <<<"$resp" || die "image endpoint $GL_URL missing from the demo token's catalog"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "X-Auth-Token: $TOKEN" "$GL_URL/v2/images")
[ "$code" = 200 ] || die "GET glance /v2/images as demo returned $code (see $D/log/glance-api.log)"
what="glance GET /v2/images"
if [ "$NOVA" = 1 ]; then
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "X-Auth-Token: $TOKEN" "$NOVA_URL/images")
  [ "$code" = 200 ] || die "nova GET /v2.1/images as demo returned $code (see $D/log/nova-api.log)"
  what="$what, nova GET /v2.1/images"
fi
log "smoke test OK: $what as demo -> 200"

extra=""
[ "$NOVA" = 1 ] && extra="  nova $NOVA_URL"
printf 'cloud up in %s s: keystone %s  glance %s%s  (state: %s, env: %s/cloud.env)\n' \
  "$(elapsed)" "$KS_URL" "$GL_URL" "$extra" "$D" "$D"
