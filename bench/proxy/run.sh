#!/usr/bin/env bash
# Proxy benchmark: the same wrk load, in one run, against
#   direct  - the simulator itself (the floor),
#   vllm-sr - the data plane with routing on (auto model, keyword/context/language decisions),
#   nginx   - nginx as a plain reverse proxy to the same simulator (keep-alive upstream),
# at 1 (unloaded: the added latency itself), 64 and 256 connections, non-streaming and
# streaming, and loads well below saturation, where p99 is the latency the proxy adds rather
# than the queue of two saturated shared cores: "steady", 64 or 256 connections that each pause
# after an answer for a random 0.5-1.5x of 10 ms (plain) or 40 ms (streamed) per 64 connections,
# a steady ~6,000 (plain) or ~1,500 (streamed) requests/s; and "paced", 64 connections with
# fixed pauses, which keep them in step (bursts of all 64 at once, so its p99 is how fast a
# whole burst is drained). Then the router's RSS with 1,000 idle keep-alive connections. Prints
# one JSON document (also written to bench/proxy/results.json). VSR_BENCH_BIN measures another
# build (e.g. build/pgo/src/cli/vllm-sr from scripts/build-pgo); the JSON names the binary.
#
#   bash bench/proxy/run.sh [--duration 5] [--rounds 3] [--threads 2] [--out FILE]
#
# Needs a release build (cmake --preset release && cmake --build --preset release) and the
# packages from scripts/setup (wrk, nginx-light).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=5
ROUNDS=3
WRK_THREADS=2
OUT=bench/proxy/results.json
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --threads) WRK_THREADS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source bench/proxy/lib.sh

SIM_PORT=$(free_port); DATA_PORT=$(free_port); API_PORT=$(free_port); NGINX_PORT=$(free_port)
"$BIN" simulator --address 127.0.0.1 --port "$SIM_PORT" --output-tokens 16 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)

write_config "$WORK/config.yaml" "$DATA_PORT" "$SIM_PORT"
"$BIN" validate "$WORK/config.yaml" >/dev/null
"$BIN" router --config "$WORK/config.yaml" --address 127.0.0.1 --port "$API_PORT" \
  --access-log "$WORK/access.log" --watch-interval-ms 0 >"$WORK/router.log" 2>&1 &
ROUTER_PID=$!
PIDS+=($ROUTER_PID)

start_nginx_proxy "$NGINX_PORT" "$SIM_PORT"
wait_http "$SIM_PORT"; wait_http "$DATA_PORT"; wait_http "$NGINX_PORT"

run_wrk() {  # $1 url, $2 connections, $3 body
  wrk_json "$1" "$2" "$3" "$WRK_THREADS" "$DURATION"
}

# Warm up every path (connection pools, page cache).
for url in "http://127.0.0.1:$SIM_PORT" "http://127.0.0.1:$DATA_PORT" "http://127.0.0.1:$NGINX_PORT"; do
  VSR_BENCH_BODY="$(body MoM false)" wrk -t1 -c16 -d2s -s bench/proxy/wrk_report.lua "$url/v1/chat/completions" >/dev/null
done

# Each row runs ROUNDS times, the three targets back to back in an order that rotates per
# round, so the VM's drift (its neighbours come and go within seconds) falls on all three; a
# row reports each target's median round.
RESULTS="["
first=1
TARGETS=(direct vllm-sr nginx)
for stream in false true; do
  for load in 1 64 256 steady:64 steady:256 paced:64; do
    conns=${load#*:} pause=0 jitter=0
    if [[ $load == *:* ]]; then  # ~6,000 requests/s plain, ~1,500 streamed, from $conns clients
      pause=$(( ($([[ $stream == true ]] && echo 40 || echo 10) * conns) / 64 ))
      jitter=$([[ $load == steady:* ]] && echo 1 || echo 0)
    fi
    for round in $(seq 1 "$ROUNDS"); do
      for k in 0 1 2; do
        target=${TARGETS[$(( (k + round - 1) % 3 ))]}
        case $target in
          direct) url="http://127.0.0.1:$SIM_PORT/v1/chat/completions"; model=sim-general ;;
          vllm-sr) url="http://127.0.0.1:$DATA_PORT/v1/chat/completions"; model=MoM ;;
          nginx) url="http://127.0.0.1:$NGINX_PORT/v1/chat/completions"; model=sim-general ;;
        esac
        echo "bench: $target stream=$stream connections=$conns load=${load%%:*} round $round (${DURATION}s)" >&2
        if [[ $conns -eq 1 ]]; then  # unloaded: one client, the added latency itself
          r=$(VSR_BENCH_BODY="$(body "$model" "$stream")" wrk -t1 -c1 -d"${DURATION}s" --latency \
                -s bench/proxy/wrk_report.lua "$url" | tail -1)
        else
          r=$(VSR_BENCH_PAUSE_MS=$pause VSR_BENCH_PAUSE_JITTER=$jitter run_wrk "$url" "$conns" "$(body "$model" "$stream")")
        fi
        [[ $first -eq 1 ]] || RESULTS+=","
        first=0
        RESULTS+="{\"target\":\"$target\",\"stream\":$stream,\"connections\":$conns,\"pause_ms\":$pause,\"pause_jitter\":$([[ $jitter == 1 ]] && echo true || echo false),\"round\":$round,\"result\":$r}"
      done
    done
  done
done
RESULTS+="]"
# Per row and target: the median round's result (by rps), and every round's rps.
RESULTS=$(python3 - "$RESULTS" <<'PY'
import json, sys
rounds = json.loads(sys.argv[1])
rows = []
for r in rounds:
    fields = ("target", "stream", "connections", "pause_ms", "pause_jitter")
    key = tuple(r[f] for f in fields)
    row = next((x for x in rows if tuple(x[f] for f in fields) == key), None)
    if row is None:
        row = dict(zip(fields, key))
        row["rounds"] = []
        rows.append(row)
    row["rounds"].append(r["result"])
for row in rows:
    ordered = sorted(row["rounds"], key=lambda x: x["rps"])
    row["result"] = ordered[(len(ordered) - 1) // 2]
    row["rps_per_round"] = [x["rps"] for x in row.pop("rounds")]
print(json.dumps(rows))
PY
)

# RSS of a fresh router with 1,000 idle keep-alive connections (each sent one request first).
kill "$ROUTER_PID"; wait "$ROUTER_PID" 2>/dev/null || true
"$BIN" router --config "$WORK/config.yaml" --address 127.0.0.1 --port "$API_PORT" \
  --access-log "$WORK/access.log" --watch-interval-ms 0 >"$WORK/router2.log" 2>&1 &
ROUTER_PID=$!
PIDS+=($ROUTER_PID)
wait_http "$DATA_PORT"
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
RSS_BEFORE=$(rss_kb "$ROUTER_PID")
FDS=()
for _ in $(seq 1 1000); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$DATA_PORT"
  printf 'GET /health HTTP/1.1\r\nHost: bench\r\n\r\n' >&"$fd"
  FDS+=("$fd")
done
sleep 1
RSS_IDLE=$(rss_kb "$ROUTER_PID")
OPEN=$(ls "/proc/$ROUTER_PID/fd" | wc -l)
for fd in "${FDS[@]}"; do exec {fd}>&-; done

JSON=$(cat <<JSONDOC
{
  "benchmark": "proxy",
  "binary": "${BIN#"$PWD/"}",
  "machine": $(machine_json),
  "duration_s": $DURATION,
  "rounds": $ROUNDS,
  "wrk_threads": $WRK_THREADS,
  "note": "wrk, simulator, proxy and nginx share the same cores; each row is the median of its rounds (targets interleaved per round); compare rows of the same run",
  "runs": $RESULTS,
  "router_rss_kb": {"before_idle_connections": $RSS_BEFORE, "with_1000_idle_keepalive": $RSS_IDLE, "open_fds": $OPEN}
}
JSONDOC
)
echo "$JSON" | tee "$OUT"
