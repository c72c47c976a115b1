#!/bin/bash
# Installs Debian's Chromium (headless rendering test of the migration
# report) if missing. Idempotent; apt-get update only when needed.
set -euo pipefail
command -v chromium >/dev/null && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1 || {
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null
}
command -v chromium >/dev/null
