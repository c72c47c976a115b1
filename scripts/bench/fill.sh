# scripts/bench.sh stage (sourced): memory with the cache full of distinct entries.
# --- memory with the cache full of distinct entries -----------------------------------
# 100k distinct show requests (?x=i: the query is part of the key) through
# the real imagegw binary with the real Keystone token, but with Glance
# replaced by a bare-echo stub serving the captured Glance answer of the same
# image (--glance-url): single-worker Glance answers ~100 shows/s here, which
# would make the fill take over 15 minutes. The cached bytes are the same.
"$TOOL" capture -base "$GLANCE_URL" -token "$TOKEN" -out "$W/glance-stub" -prefix /v2/images/ "/v2/images/$SHOW_ID" >/dev/null
start_bg glance-stub "$BARE" -listen "$P_STUB" -manifest "$W/glance-stub/manifest.json"
wait_http "http://$P_STUB/v2/images/x" glance-stub
FILL_BODY=$(curl -s -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "http://$P_BARE${URI[show]}" | wc -c)
stop_bg bare-echo
cat >"$W/fill-lifted.yaml" <<EOF
cache_max_bytes: 1073741824
EOF
for mode in default lifted; do
  args=()
  [ "$mode" = lifted ] && args=(--config "$W/fill-lifted.yaml")
  IMAGEGW_CACHE_TTL_IMAGE=10m IMAGEGW_GLANCE_URL="http://$P_STUB" start_imagegw "imagegw-fill-$mode" "$P_FILL" "${args[@]}"
  FPID=$(pid_of "imagegw-fill-$mode")
  # validate (and cache) the token on a route that caches nothing: a router 404 after auth
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" -H "X-OpenStack-Nova-API-Version: $MV" "http://$P_FILL/v2.1/bench-warm-up")
  [ "$code" = 404 ] || die "fill imagegw: warm-up answered $code"
  fact "fill-$mode-rss-before-kb" "$(kb "$FPID" VmRSS)"
  say "fill ($mode bounds): $FILL_N distinct show requests"
  "$TOOL" fill -name "fill-$mode" -url "http://$P_FILL${URI[show]}" -n "$FILL_N" -c 4 -token "$TOKEN" -microversion $MV |
    sed -n 's/^BENCH_JSON //p' >>"$RAW"
  sleep 1
  fact "fill-$mode-rss-kb" "$(kb "$FPID" VmRSS)"
  fact "fill-$mode-hwm-kb" "$(kb "$FPID" VmHWM)"
  entries=$(metric "$P_FILL" imagegw_cache_entries)
  bytes=$(metric "$P_FILL" imagegw_cache_bytes)
  for m in go_memstats_heap_alloc_bytes go_memstats_heap_inuse_bytes go_memstats_next_gc_bytes go_memstats_sys_bytes; do
    v=$(metric "$P_FILL" $m)
    [ -n "$v" ] && fact "fill-$mode-$m" "$v"
  done
  if [ -z "$entries" ]; then
    # no /metrics: count the hits of a second pass in the request log
    before=$(grep -c '"cache":"hit"' "$W/log/imagegw-fill-$mode.log" || true)
    "$TOOL" fill -name "verify-$mode" -url "http://$P_FILL${URI[show]}" -n "$FILL_N" -c 4 -token "$TOKEN" -microversion $MV >/dev/null
    entries=$(($(grep -c '"cache":"hit"' "$W/log/imagegw-fill-$mode.log") - before))
  fi
  fact "fill-$mode-entries" "$entries"
  fact "fill-$mode-cache-bytes" "${bytes:-0}"
  say "fill ($mode): $entries entries held, VmRSS $(($(kb "$FPID" VmRSS) / 1024)) MB"
  stop_bg "imagegw-fill-$mode"
done
stop_bg glance-stub
ftext fill-body-bytes "$FILL_BODY"
ftext glance-page "$GPAGE"
ftext fill-note "The fill goes through the real imagegw binary and the real Keystone token (validated once, then cached); Glance is replaced by a bare-echo stub (--glance-url) serving the captured Glance answer for ref-custom-props, so each cached entry is the same ${FILL_BODY}-byte show response as with the real Glance (single-worker Glance serves ~100 shows/s on this machine: 100k misses would take longer than the whole bench). Entries held read from imagegw_cache_entries on /metrics. The 100k keys are distinct but their bodies are the same bytes, which the cache stores once (as for a public image seen by many projects): this fill measures the per-key cost. Distinct bodies cost their own bytes on top: see the Go benchmark below."
# the per-entry heap cost with equal and with distinct bodies (in-process)
CACHE_MEM=$(go test ./proxy/ -run '^$' -bench '^BenchmarkCacheMemory$' -benchtime 1x 2>/dev/null | grep -E '^BenchmarkCacheMemory' || true)
ftext cache-memory-bench "$CACHE_MEM"

