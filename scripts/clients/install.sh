#!/bin/bash
# Installs the Debian packages the legacy-client e2e tests need
# (e2e/legacyclients_test.go, scripts/clients/*.py) when they are missing:
#   python3-openstacksdk     openstacksdk for /usr/bin/python3
#   python3-openstackclient  the `openstack` CLI
# Idempotent and quick when everything is there (no apt call at all);
# `apt-get update` only when the package lists do not know the packages or
# an install with the current lists fails. Non-interactive; run as root.
set -euo pipefail

PKGS=(python3-openstacksdk python3-openstackclient)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

missing=()
for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "scripts/clients/install.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  APT_OPTS=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  LOG=$(mktemp /tmp/imagegw-clients-apt.XXXXXX)
  for p in "${missing[@]}"; do
    if ! apt-cache show "$p" >/dev/null 2>&1; then
      apt-get update -q >>"$LOG" 2>&1 || { cat "$LOG" >&2; echo "apt-get update failed" >&2; exit 1; }
      break
    fi
  done
  if ! apt-get install "${APT_OPTS[@]}" "${missing[@]}" </dev/null >>"$LOG" 2>&1; then
    apt-get update -q >>"$LOG" 2>&1 || true
    apt-get install "${APT_OPTS[@]}" "${missing[@]}" </dev/null >>"$LOG" 2>&1 \
      || { tail -40 "$LOG" >&2; echo "apt-get install ${missing[*]} failed" >&2; exit 1; }
  fi
  rm -f "$LOG"
fi

# what the tests run must work
/usr/bin/python3 -c 'import openstack, openstack.compute.v2._proxy' \
  || { echo "/usr/bin/python3 cannot import openstack" >&2; exit 1; }
[ -x /usr/bin/openstack ] || { echo "missing /usr/bin/openstack" >&2; exit 1; }
