# Functions of scripts/bench.sh (sourced): process control, records, wrk runs.
# Uses the caller's T0, W, ROOT, PY, RAW, DUR, MV, TOKEN, IGW, D, GLANCE_URL, SHOW_ID.

say() { printf '[bench %4ds] %s\n' $(($(date +%s) - T0)) "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }

# --- processes this script starts: PIDs recorded, only those are stopped -------
mkdir -p "$W/pids" "$W/log" "$W/bin"
rm -f "$W"/pids/*
start_bg() { # name cmd... (env already exported by the caller)
  local name=$1; shift
  # the process writes its own PID (setsid forks when the caller is a group leader)
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$W/pids/$name" "$@" </dev/null >"$W/log/$name.log" 2>&1 &
  for _ in $(seq 50); do [ -s "$W/pids/$name" ] && return 0; sleep 0.1; done
  die "$name did not start"
}
stop_bg() { # name
  local f=$W/pids/$1 pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  # only a process running one of our binaries (guards against a reused PID)
  if [ -d "/proc/$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -e "$ROOT/bin/imagegw" -e "$W/bin/"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}
CLOUD_STARTED=0
cleanup() {
  local rc=$?
  for f in "$W"/pids/*; do [ -e "$f" ] && stop_bg "$(basename "$f")"; done
  if [ "$CLOUD_DOWN" = 1 ] || { [ "$CLOUD_DOWN" = auto ] && [ "$CLOUD_STARTED" = 1 ]; }; then
    bash scripts/cloud/down.sh || true
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM


port_free() { ! (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

token() { # user (its project has the same name; password "secret", the test cloud's)
  curl -si -X POST "$KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' \
    -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"secret\"}}},\"scope\":{\"project\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"}}}}}" |
    awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r'
}
jstr() { $PY -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
fact() { echo "{\"kind\":\"fact\",\"name\":\"$1\",\"value\":${2:-0},\"text\":$(jstr "${3:-}")}" >>"$RAW"; }
ftext() { fact "$1" 0 "$2"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
kb() { awk -v k="$2:" '$1==k{print $2}' "/proc/$1/status"; } # pid field -> kB
pid_of() { cat "$W/pids/$1"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of a pid, clock ticks
TICK_MS=$((1000 / $(getconf CLK_TCK)))

# run_wrk target case url connections [microversion [server-pid]]
# With a server PID the record gets the server's CPU time during the run.
run_wrk() {
  local target=$1 case=$2 url=$3 c=$4 mv=${5-$MV} spid=${6:-} out t0=""
  [ -n "$spid" ] && t0=$(cpu_ticks "$spid")
  out=$(BENCH_TARGET=$target BENCH_CASE=$case BENCH_CONNECTIONS=$c BENCH_TOKEN=$TOKEN BENCH_MICROVERSION=$mv \
    wrk -t1 -c"$c" -d"${DUR}s" --timeout 30s -s bench/wrk/report.lua "$url")
  local cpu=""
  [ -n "$spid" ] && cpu=",\"server_cpu_ms\":$((($(cpu_ticks "$spid") - t0) * TICK_MS))"
  echo "$out" >>"$W/log/wrk.log"
  local rec
  rec=$(echo "$out" | sed -n 's/^BENCH_JSON //p')
  [ -n "$rec" ] || die "wrk $target $case gave no record: $out"
  # add the URL, the load average and the server CPU into the record
  echo "${rec%\}},\"url\":$(jstr "$url"),\"load1\":$(load1)$cpu}" >>"$RAW"
  say "$(printf '%-14s %-12s c=%d  %s' "$target" "$case" "$c" "$(echo "$rec" | $PY -c 'import json,sys; r=json.load(sys.stdin); e=sum(r["errors"].values()); print("%9.1f req/s  p50 %8.3f ms  p99 %8.3f ms  errors %d" % (r["rps"], r["p50_ms"], r["p99_ms"], e))')")"
}

# run_pair round case target-a base-a pid-a target-b base-b pid-b: two
# targets back to back on one case, a first in odd rounds, b first in
# even ones (whichever runs second inherits the first's heat)
run_pair() {
  local r=$1 cs=$2
  if [ $((r % 2)) = 1 ]; then
    run_wrk "$3" "$cs" "$4${URI[$cs]}" "$CONNS" $MV "$5"
    run_wrk "$6" "$cs" "$7${URI[$cs]}" "$CONNS" $MV "$8"
  else
    run_wrk "$6" "$cs" "$7${URI[$cs]}" "$CONNS" $MV "$8"
    run_wrk "$3" "$cs" "$4${URI[$cs]}" "$CONNS" $MV "$5"
  fi
}

wait_http() { # url pidname
  for _ in $(seq 150); do
    curl -s -m 1 -o /dev/null "$1" && return 0
    [ -d "/proc/$(pid_of "$2")" ] || { tail -5 "$W/log/$2.log" >&2; die "$2 exited"; }
    sleep 0.1
  done
  die "$2 did not answer on $1"
}

# each imagegw's operator listener (/metrics): its API port + 100
ops_of() { echo "${1%:*}:$((${1##*:} + 100))"; }
start_imagegw() { # name listen [extra args...]; env IMAGEGW_* set by the caller
  local name=$1 listen=$2; shift 2
  IMAGEGW_OPERATOR_LISTEN=$(ops_of "$listen") OS_CLIENT_CONFIG_FILE=$D/clouds.yaml \
    start_bg "$name" "$IGW" --cloud imagegw --listen "$listen" "$@"
  wait_http "http://$listen/healthz" "$name"
}

# Glance's keystonemiddleware caches a validated token for 300 s: once that
# has run out, the first requests of whichever run comes next wait ~2 s for
# Glance to ask Keystone again. One request first keeps both runs of a pair
# inside Glance's token cache.
# Glance (one eventlet worker) also goes on with the requests the previous
# run's wrk abandoned at its end (a 1000-image list takes ~1.5 s): wait
# until a show answers quickly again, so no run inherits that backlog.
warm_glance() {
  local t
  for _ in $(seq 40); do
    t=$(curl -s -o /dev/null -w '%{time_total}' -H "X-Auth-Token: $TOKEN" "$GLANCE_URL/v2/images/$SHOW_ID" || echo 9)
    awk -v t="$t" 'BEGIN{exit !(t < 0.05)}' && return 0
    sleep 0.5
  done
}

metric() { curl -s "http://$(ops_of "$1")/metrics" | awk -v m="$2" '$1==m{printf "%.0f\n", $2}'; }
