#!/bin/bash
# Records, for a set of seeded images, Glance's raw image JSON and real
# nova-api's show response side by side, as unit-test fixtures of the view
# builder (translate/testdata/views/<name>.{glance,nova}.json).
#
# Needs a cloud with nova-api (scripts/cloud/up.sh with IMAGEGW_CLOUD_NOVA=1,
# seeded by scripts/cloud/seed.py). Usage:
#   KEYSTONE_URL=... GLANCE_URL=... NOVA_URL=.../v2.1 SEED_JSON=.../seed.json scripts/record-view-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KEYSTONE_URL:?}" "${GLANCE_URL:?}" "${NOVA_URL:?}" "${SEED_JSON:?}"
out=translate/testdata/views
mkdir -p "$out"
token() {
  curl -sf -i -X POST "$KEYSTONE_URL/auth/tokens" -H 'Content-Type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"'"$1"'","domain":{"id":"default"},"password":"secret"}}},"scope":{"project":{"name":"'"$1"'","domain":{"id":"default"}}}}}' \
    | tr -d '\r' | awk 'tolower($1)=="x-subject-token:"{print $2}'
}
T=$(token demo)
for name in ref-active ref-queued ref-queued-with-formats ref-snapshot ref-autodisk-true ref-autodisk-false \
            ref-autodisk-invalid ref-custom-props ref-minram-mindisk ref-protected ref-hidden ref-tagged \
            ref-noname ref-deactivated ref-uploading ref-community-demo ref-admin-public ref-meta-126; do
  id=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['images'][sys.argv[2]]['id'])" "$SEED_JSON" "$name")
  curl -sf -H "X-Auth-Token: $T" "$GLANCE_URL/v2/images/$id" >"$out/$name.glance.json"
  curl -sf -H "X-Auth-Token: $T" -H 'X-OpenStack-Nova-API-Version: 2.35' "$NOVA_URL/images/$id" >"$out/$name.nova.json"
done
printf '{"nova_url": "%s", "glance_url": "%s"}\n' "$NOVA_URL" "$GLANCE_URL" >"$out/endpoints.json"
echo "recorded $(ls "$out" | wc -l) files in $out"
