#!/usr/bin/env bash
# Observability overhead: two routers on the same routing config and simulator, side by side in
# one run, under the same wrk load (64 connections; non-streaming and streaming):
#   off - metrics and tracing disabled,
#   on  - Prometheus metrics on, and every request traced (always_on) with spans exported as
#         OTLP/HTTP to a collector (nginx answering POST /v1/traces).
# Rounds alternate which router goes first (off/on, then on/off) so drift on a noisy machine
# hits both. Reports throughput (on/off) and
# the router's own CPU time per request (user + system from /proc, exporter thread included):
# wrk, the simulator and the collector share the two cores, so throughput also pays for the
# collector's work, which in production runs elsewhere. Prints one JSON document (also written
# to bench/proxy/observability_results.json) with each round and the summary.
#
#   bash bench/proxy/observability.sh [--duration 5] [--rounds 3] [--threads 2] [--out FILE]
#                                     [--on both|metrics|tracing|none]   (what `on` turns on;
#                                      none: two identical routers, the bench's own spread)
#                                     [--together]   (both routers loaded at once, each by its
#                                      own wrk, instead of one after the other)
#                                     [--sampling-rate R]   (trace a share R of requests,
#                                      traceidratio, instead of every one: upstream's reference
#                                      config samples 0.5)
#
# Needs a release build and the packages from scripts/setup (wrk, nginx-light).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=5
ROUNDS=3
WRK_THREADS=2
OUT=bench/proxy/observability_results.json
ON=both
TOGETHER=0
SAMPLING="{type: always_on}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --threads) WRK_THREADS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --on) ON="$2"; shift 2 ;;
    --together) TOGETHER=1; shift ;;
    --sampling-rate) SAMPLING="{type: traceidratio, rate: $2}"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$ON" in
  both) ON_METRICS_ENABLED=true; ON_TRACING_ENABLED=true ;;
  metrics) ON_METRICS_ENABLED=true; ON_TRACING_ENABLED=false ;;
  tracing) ON_METRICS_ENABLED=false; ON_TRACING_ENABLED=true ;;
  none) ON_METRICS_ENABLED=false; ON_TRACING_ENABLED=false ;;  # A/A: the bench's own noise
  *) echo "--on takes both, metrics, tracing or none" >&2; exit 2 ;;
esac
source bench/proxy/lib.sh

SIM_PORT=$(free_port); COLLECTOR_PORT=$(free_port)
OFF_PORT=$(free_port); OFF_API=$(free_port)
ON_PORT=$(free_port); ON_API=$(free_port); ON_METRICS=$(free_port)
"$BIN" simulator --address 127.0.0.1 --port "$SIM_PORT" --output-tokens 16 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)

start_collector "$COLLECTOR_PORT"

write_config "$WORK/off.yaml" "$OFF_PORT" "$SIM_PORT" "global:
  services:
    observability:
      metrics: {enabled: false}
      tracing: {enabled: false}"
write_config "$WORK/on.yaml" "$ON_PORT" "$SIM_PORT" "global:
  services:
    observability:
      metrics: {enabled: $ON_METRICS_ENABLED}
      tracing:
        enabled: $ON_TRACING_ENABLED
        exporter: {endpoint: 'http://127.0.0.1:$COLLECTOR_PORT'}
        sampling: $SAMPLING"
for which in off on; do
  "$BIN" validate "$WORK/$which.yaml" >/dev/null
done
"$BIN" router --config "$WORK/off.yaml" --address 127.0.0.1 --port "$OFF_API" \
  --access-log "$WORK/off-access.log" --watch-interval-ms 0 >"$WORK/off.log" 2>&1 &
OFF_PID=$!
PIDS+=($OFF_PID)
"$BIN" router --config "$WORK/on.yaml" --address 127.0.0.1 --port "$ON_API" \
  --metrics-port "$ON_METRICS" --access-log "$WORK/on-access.log" --watch-interval-ms 0 \
  >"$WORK/on.log" 2>&1 &
ON_PID=$!
PIDS+=($ON_PID)
# CPU time (user + system) a process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_HZ=$(getconf CLK_TCK)
# The collector's CPU (nginx master and worker): it runs on the same cores here, elsewhere in
# production, so its share of the loss is reported apart.
collector_ticks() {
  local master t=0 p
  master=$(cat "$WORK/nginx.pid")
  for p in "$master" $(pgrep -P "$master"); do t=$((t + $(cpu_ticks "$p"))); done
  echo "$t"
}
wait_http "$SIM_PORT"; wait_http "$COLLECTOR_PORT"; wait_http "$OFF_PORT"; wait_http "$ON_PORT"
[[ $ON_TRACING_ENABLED == false ]] || grep -q "^Tracing: OTLP/HTTP" "$WORK/on.log" || { echo "the 'on' router is not tracing:" >&2; cat "$WORK/on.log" >&2; exit 1; }

for port in "$OFF_PORT" "$ON_PORT"; do  # warm up pools
  wrk_json "http://127.0.0.1:$port/v1/chat/completions" 16 "$(body MoM false)" 1 2 >/dev/null
done

RESULTS="["
first=1
# run_load WHICH STREAM: wrk against one router for DURATION, into $WORK/WHICH.json, with the
# router's and the collector's CPU ticks over it in $WORK/WHICH.ticks.
run_load() {
  local which=$1 stream=$2 port=$OFF_PORT pid=$OFF_PID before collector_before
  [[ $which == on ]] && { port=$ON_PORT; pid=$ON_PID; }
  before=$(cpu_ticks "$pid"); collector_before=$(collector_ticks)
  wrk_json "http://127.0.0.1:$port/v1/chat/completions" 64 "$(body MoM "$stream")" \
    "$WRK_THREADS" "$DURATION" >"$WORK/$which.json"
  sleep 1.2  # the exporter's last batch of this run (1 s flush interval) counts too
  echo "$(( $(cpu_ticks "$pid") - before )) $(( $(collector_ticks) - collector_before ))" \
    >"$WORK/$which.ticks"
}
# record ROUND WHICH STREAM: appends a run_load's result to RESULTS.
record() {
  local r used collector_used requests cpu_us collector_us
  r=$(cat "$WORK/$2.json")
  read -r used collector_used <"$WORK/$2.ticks"
  requests=$(echo "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
  cpu_us=$(python3 -c "print(round($used * 1e6 / $TICK_HZ / max(1, $requests), 1))")
  collector_us=$(python3 -c "print(round($collector_used * 1e6 / $TICK_HZ / max(1, $requests), 1))")
  [[ $first -eq 1 ]] || RESULTS+=","
  first=0
  RESULTS+="{\"round\":$1,\"observability\":\"$2\",\"stream\":$3,\"router_cpu_us_per_request\":$cpu_us,\"collector_cpu_us_per_request\":$collector_us,\"result\":$r}"
}
for round in $(seq 1 "$ROUNDS"); do
  for stream in false true; do
    if [[ $TOGETHER == 1 ]]; then
      # Both routers loaded at once, each by its own wrk: whatever the VM does during the
      # round falls on both alike (the collector's ticks then count both routers' loads).
      echo "bench: round $round both routers at once, stream=$stream (${DURATION}s)" >&2
      run_load off "$stream" &
      off_job=$!
      run_load on "$stream"
      wait "$off_job"
      record "$round" off "$stream"
      record "$round" on "$stream"
      continue
    fi
    # Odd rounds run off first, even rounds on first (ABBA): whatever drifts within a round
    # (the other router's idle work, the VM's neighbours) falls on both sides alike.
    order="off on"
    (( round % 2 == 0 )) && order="on off"
    for which in $order; do
      echo "bench: round $round observability=$which stream=$stream (${DURATION}s)" >&2
      run_load "$which" "$stream"
      record "$round" "$which" "$stream"
    done
  done
done
RESULTS+="]"
sleep 2  # the last spans leave within the exporter's 1 s flush interval
BATCHES=$(grep -c "POST /v1/traces" "$WORK/collector.log" || true)

SUMMARY=$(python3 - "$RESULTS" <<'PY'
import json, statistics, sys
runs = json.loads(sys.argv[1])
out = {}
for stream in (False, True):
    rps = {w: [r["result"]["rps"] for r in runs if r["stream"] == stream and r["observability"] == w]
           for w in ("off", "on")}
    ratios = [on / off for on, off in zip(rps["on"], rps["off"]) if off > 0]
    cpu = {w: [r["router_cpu_us_per_request"] for r in runs
               if r["stream"] == stream and r["observability"] == w] for w in ("off", "on")}
    out["stream" if stream else "non_stream"] = {
        "router_cpu_us_per_request_off": round(sum(cpu["off"]) / len(cpu["off"]), 1),
        "router_cpu_us_per_request_on": round(sum(cpu["on"]) / len(cpu["on"]), 1),
        "collector_cpu_us_per_request_on": round(sum(
            r["collector_cpu_us_per_request"] for r in runs
            if r["stream"] == stream and r["observability"] == "on") / len(cpu["on"]), 1),
        "rps_off_mean": round(sum(rps["off"]) / len(rps["off"]), 1),
        "rps_on_mean": round(sum(rps["on"]) / len(rps["on"]), 1),
        "on_over_off_per_round": [round(x, 3) for x in ratios],
        "on_over_off_mean": round(sum(ratios) / len(ratios), 3),
        "on_over_off_median": round(statistics.median(ratios), 3)}
print(json.dumps(out))
PY
)
JSON=$(cat <<JSONDOC
{
  "benchmark": "observability_overhead",
  "machine": $(machine_json),
  "duration_s": $DURATION,
  "rounds": $ROUNDS,
  "connections": 64,
  "on": "$ON",
  "together": $([[ $TOGETHER == 1 ]] && echo true || echo false),
  "sampling": "$SAMPLING",
  "note": "on = what --on names: metrics and/or the requests sampling traces, exported (OTLP/HTTP protobuf); off = both disabled. Same machine, alternating rounds; target on/off >= 0.95",
  "span_batches_received_by_collector": $BATCHES,
  "summary": $SUMMARY,
  "runs": $RESULTS
}
JSONDOC
)
echo "$JSON" | tee "$OUT"
