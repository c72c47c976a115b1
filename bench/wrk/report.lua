-- wrk script for scripts/bench.sh: sets the Keystone token and the compute
-- microversion on every request, and prints one JSON line when done.
--
-- Environment: BENCH_TOKEN (X-Auth-Token; empty: none), BENCH_MICROVERSION
-- (X-OpenStack-Nova-API-Version; empty: none), BENCH_TARGET and BENCH_CASE
-- (copied into the JSON record), BENCH_CONNECTIONS (recorded only).
--
-- No response() callback: defining one makes wrk hand every response to
-- Lua, which would cost the load generator CPU the server needs.
-- Non-2xx/3xx answers are counted by wrk itself (summary.errors.status).

local token = os.getenv("BENCH_TOKEN") or ""
local mv = os.getenv("BENCH_MICROVERSION") or ""
if token ~= "" then wrk.headers["X-Auth-Token"] = token end
if mv ~= "" then wrk.headers["X-OpenStack-Nova-API-Version"] = mv end
wrk.headers["Accept"] = "application/json"
-- BENCH_METHOD/BENCH_BODY: a write (the replicas stage's metadata PUTs)
local method, body = os.getenv("BENCH_METHOD") or "", os.getenv("BENCH_BODY") or ""
if method ~= "" then wrk.method = method end
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

local function q(s) return '"' .. tostring(s or ""):gsub('\\', '\\\\'):gsub('"', '\\"') .. '"' end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write("BENCH_JSON {",
    '"kind":"run",',
    '"target":', q(os.getenv("BENCH_TARGET")), ',',
    '"case":', q(os.getenv("BENCH_CASE")), ',',
    '"connections":', tonumber(os.getenv("BENCH_CONNECTIONS") or "0"), ',',
    '"requests":', summary.requests, ',',
    '"duration_s":', string.format("%.3f", secs), ',',
    '"bytes":', summary.bytes, ',',
    '"rps":', string.format("%.2f", summary.requests / secs), ',',
    '"mean_ms":', string.format("%.3f", latency.mean / 1000), ',',
    '"p50_ms":', string.format("%.3f", latency:percentile(50) / 1000), ',',
    '"p90_ms":', string.format("%.3f", latency:percentile(90) / 1000), ',',
    '"p99_ms":', string.format("%.3f", latency:percentile(99) / 1000), ',',
    '"max_ms":', string.format("%.3f", latency.max / 1000), ',',
    '"errors":{"connect":', e.connect, ',"read":', e.read, ',"write":', e.write,
    ',"status":', e.status, ',"timeout":', e.timeout, '}',
    "}\n")
end
