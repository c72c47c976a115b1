#!/usr/bin/env bash
# Measures nine abuse scenarios against one imagegw binary in front of the
# local cloud (scripts/cloud: up and seeded) and appends the figures to
# bench/results/abuse.md.
#
#   bash scripts/abuse.sh BIN LABEL
#
# BIN runs on free loopback ports with read_timeout 5s (config file), the
# operator listener on a second port, and its JSON log in a temporary
# directory; bench/cmd/imagegw-abuse then runs scenarios 1-6 and 9 against
# it ("run"; for 9 it also starts BIN with its default operator settings),
# and spawns BIN itself for 7 ("shutdown") and 8 ("tokens").
# Every request goes to 127.0.0.1. About 3-4 minutes per binary.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 BIN LABEL" >&2
	exit 2
fi
bin=$(readlink -f "$1")
label=$2
root=$(cd "$(dirname "$0")/.." && pwd)
cloud_dir=${IMAGEGW_CLOUD_DIR:-/tmp/imagegw-cloud}
out=$root/bench/results/abuse.md
go=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$bin" ] || { echo "$bin: not an executable" >&2; exit 2; }
[ -f "$cloud_dir/clouds.yaml" ] || { echo "$cloud_dir/clouds.yaml missing: start the cloud (scripts/cloud/up.sh) and seed it" >&2; exit 2; }

work=$(mktemp -d /tmp/imagegw-abuse.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "abuse: kept $work" >&2; fi
}
trap cleanup EXIT

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "abuse: building bench/cmd/imagegw-abuse" >&2
(cd "$root" && "$go" build -o "$work/imagegw-abuse" ./bench/cmd/imagegw-abuse)
tool=$work/imagegw-abuse

port=$(free_port)
ops=$(free_port)
while [ "$ops" = "$port" ]; do ops=$(free_port); done
printf 'read_timeout: 5s\n' >"$work/config.yaml"
log=$work/imagegw.log

echo "abuse: starting $bin on 127.0.0.1:$port (operator 127.0.0.1:$ops)" >&2
OS_CLIENT_CONFIG_FILE=$cloud_dir/clouds.yaml IMAGEGW_OPERATOR_LISTEN=127.0.0.1:$ops \
	"$bin" --config "$work/config.yaml" --cloud imagegw --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
for _ in $(seq 300); do
	if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)" = 200 ]; then
		break
	fi
	kill -0 "$pid" 2>/dev/null || { echo "abuse: $bin exited:" >&2; tail -n 20 "$log" >&2; exit 1; }
	sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)" = 200 ] ||
	{ echo "abuse: no /healthz 200 within 30 s" >&2; tail -n 20 "$log" >&2; exit 1; }

if [ ! -s "$out" ]; then
	cat >"$out" <<'EOF'
# imagegw abuse figures

Nine abuse scenarios measured against a real imagegw binary in front of the
local Keystone and Glance (scripts/cloud), with bench/cmd/imagegw-abuse.
Reproduce with the cloud up and seeded (`bash scripts/cloud/up.sh`,
`scripts/cloud/seed.py`):

    bash scripts/abuse.sh BIN LABEL

The machine has 2 cores, shared by imagegw, Keystone, Glance and the load
tool; every figure comes from one run per binary, so take small
differences as noise. The binary runs with `read_timeout: 5s` (config
file) and `IMAGEGW_OPERATOR_LISTEN` on a second loopback port; scenarios
7 and 8 spawn their own copy of it.

EOF
fi

status=0
section() { # name, command...: append the tool's output, or why it failed
	local name=$1
	shift
	echo "abuse: $name" >&2
	if ! "$@" >"$work/$name.md"; then
		status=1
		printf '\n%s failed (exit status above in the tool output; see stderr)\n\n' "$name" >>"$work/$name.md"
	fi
	cat "$work/$name.md" >>"$out"
}

section run "$tool" run --target "http://127.0.0.1:$port" --ops "http://127.0.0.1:$ops" --pid "$pid" \
	--log "$log" --label "$label" --cloud-dir "$cloud_dir" --bin "$bin"

echo "abuse: stopping $bin (SIGTERM)" >&2
kill -TERM "$pid"
wait "$pid" || true
pid=

section shutdown "$tool" shutdown --bin "$bin" --cloud-dir "$cloud_dir" --label "$label"
section tokens "$tool" tokens --bin "$bin" --cloud-dir "$cloud_dir" --label "$label"
echo "abuse: appended to $out" >&2
exit $status
