# scripts/bench.sh stage (sourced): CPU profile of the hit path.
# --- profile of the hit path (perf on the live binary, then go test pprof) --------
PROF=""
if [ "$PROFILE" = 1 ]; then
  PROF=$W/profile.txt
  : >"$PROF"
  if command -v perf >/dev/null && perf record -q -o /dev/null -- true 2>/dev/null; then
    say "profiling the live imagegw (perf, show hit, ${DUR}s)"
    perf record -q -F 999 -g -p "$HIT_PID" -o "$W/perf.data" -- sleep "$DUR" 2>/dev/null &
    PERF=$!
    sleep 0.3
    BENCH_TARGET=profile BENCH_CASE=show BENCH_CONNECTIONS=$CONNS BENCH_TOKEN=$TOKEN BENCH_MICROVERSION=$MV \
      wrk -t1 -c"$CONNS" -d"$((DUR - 1))s" -s bench/wrk/report.lua "http://$P_HIT${URI[show]}" >/dev/null
    wait "$PERF" || true
    (set +o pipefail # head closes the pipes early
    {
      echo "perf record -F 999 -g -p <imagegw> during a ${DUR}s wrk run of the show hit ($CONNS connections); self time, top 30:"
      perf report -i "$W/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
        grep -E '^ +[0-9.]+%' | sed 's/[ -]*$//' | head -30
      echo
      echo "same run, by binary:"
      perf report -i "$W/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | sed 's/ *$//' | head -5
      echo
      echo "same run, inclusive (children) time: the request path, GC, syscalls:"
      # Not cut at a line count: imagegw-bench report reads the stage table
      # of bench/cmd/imagegw-bench/breakdown.go from these lines, and a stage
      # with a small share (newRequestID, the migration report) could fall
      # below a top N and show as not in profile. The pattern alone keeps the
      # list to the frames the table and a reader need; a new stage's symbol
      # must match it (TestPerfFilterKeepsStageSymbols checks both).
      perf report -i "$W/perf.data" --children --sort symbol --stdio 2>/dev/null |
        grep -E '^ +[0-9.]+% +[0-9.]+%' | grep -E 'imagegw|echo/v4|zap|prometheus|gocache|net/http\.\(\*conn\)\.(serve|readRequest)|finishRequest|Syscall6|runtime\.mallocgc |gcBgMarkWorker |\[k\] (do_syscall_64|tcp_sendmsg) ' | sed 's/[ -]*$//'
    } >>"$PROF")
  fi
  say "profiling proxy.BenchmarkCacheHitDetail (go test -cpuprofile)"
  (go test ./proxy/ -run '^$' -bench '^BenchmarkCacheHitDetail$' -benchtime 3s -benchmem -cpuprofile "$W/cpu.prof" -o "$W/proxy.test" | grep -E '^Benchmark' || true) >"$W/gobench.txt"
  (set +o pipefail
  {
    echo
    echo "go test ./proxy -bench BenchmarkCacheHitDetail -benchmem (in-process, httptest recorder, fake Glance/Keystone):"
    cat "$W/gobench.txt"
    echo "go tool pprof -top (flat), top 25:"
    go tool pprof -top -nodecount 25 "$W/proxy.test" "$W/cpu.prof" 2>/dev/null | sed -n '/flat%/,$p'
    echo
    echo "go tool pprof -top -cum, imagegw/echo/zap/prometheus frames, top 20:"
    go tool pprof -top -cum -nodecount 80 "$W/proxy.test" "$W/cpu.prof" 2>/dev/null | sed -n '/flat%/,$p' |
      grep -E 'imagegw|echo|zap|prometheus|gocache|uuid' | head -20
  } >>"$PROF")
fi

