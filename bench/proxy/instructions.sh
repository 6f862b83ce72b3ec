#!/usr/bin/env bash
# What metrics and tracing cost the router in instructions per request, counted by callgrind
# (valgrind): exact where wall-clock rounds on a shared 2-core VM scatter by more than the
# difference being measured. For each configuration the router runs under callgrind behind the
# same simulator and collector (nginx answering POST /v1/traces), a warm-up load, counters
# zeroed, then a steady load (wrk, 16 connections, non-streaming); requests are counted from the
# access log. Instructions are not time: rep-prefixed copies count once per iteration and cache
# misses not at all (the traced requests' cost in time is mostly memory: see the README), so use
# this to see what a change does to the work, and observability.sh for what it does to time.
# Prints one JSON document (also written to FILE).
#
#   bash bench/proxy/instructions.sh [--duration 20] [--out FILE]
#
# Needs a release build and valgrind, wrk and nginx-light (scripts/setup).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=20
OUT=bench/proxy/instructions_results.json
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "valgrind missing: bash scripts/setup" >&2; exit 1; }
source bench/proxy/lib.sh

SIM_PORT=$(free_port); COLLECTOR_PORT=$(free_port)
"$BIN" simulator --address 127.0.0.1 --port "$SIM_PORT" --output-tokens 16 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
start_collector "$COLLECTOR_PORT"
wait_http "$SIM_PORT"; wait_http "$COLLECTOR_PORT"
BODY="$(body MoM false)"

# measure NAME METRICS TRACING: appends one configuration's JSON object to $WORK/runs.
measure() {
  local name=$1 port api rpid before after out
  port=$(free_port); api=$(free_port)
  write_config "$WORK/$name.yaml" "$port" "$SIM_PORT" "global:
  services:
    observability:
      metrics: {enabled: $2}
      tracing:
        enabled: $3
        exporter: {endpoint: 'http://127.0.0.1:$COLLECTOR_PORT'}
        sampling: {type: always_on}"
  "$BIN" validate "$WORK/$name.yaml" >/dev/null
  valgrind --tool=callgrind --callgrind-out-file="$WORK/$name.cg" "$BIN" router \
    --config "$WORK/$name.yaml" --address 127.0.0.1 --port "$api" --metrics-port "$(free_port)" \
    --access-log "$WORK/$name-access.log" --watch-interval-ms 0 >"$WORK/$name.log" 2>&1 &
  rpid=$!
  PIDS+=($rpid)
  for _ in $(seq 1 600); do  # valgrind starts the router slowly
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "$name: warming up, then $DURATION s counted" >&2
  VSR_BENCH_BODY="$BODY" wrk -t1 -c16 -d5s -s bench/proxy/wrk_report.lua \
    "http://127.0.0.1:$port/v1/chat/completions" >/dev/null
  callgrind_control -z "$rpid" >/dev/null
  before=$(wc -l <"$WORK/$name-access.log")
  VSR_BENCH_BODY="$BODY" wrk -t1 -c16 -d"${DURATION}s" -s bench/proxy/wrk_report.lua \
    "http://127.0.0.1:$port/v1/chat/completions" >/dev/null
  sleep 1.5  # the access log and the exporter catch up
  callgrind_control -d "$rpid" >/dev/null
  after=$(wc -l <"$WORK/$name-access.log")
  kill "$rpid" 2>/dev/null || true
  wait "$rpid" 2>/dev/null || true
  out=$(ls -t "$WORK/$name.cg".* | head -1)
  callgrind_annotate "$out" 2>/dev/null | python3 -c '
import re, sys
name, requests = sys.argv[1], int(sys.argv[2])
line = next(l for l in sys.stdin if "PROGRAM TOTALS" in l)
total = int(re.match(r"\s*([\d,]+)", line).group(1).replace(",", ""))
print("{\"config\": \"%s\", \"requests\": %d, \"instructions_per_request\": %.0f}"
      % (name, requests, total / max(requests, 1)))' "$name" "$((after - before))" >>"$WORK/runs"
}

measure off false false
measure metrics true false
measure tracing false true
measure both true true
python3 - "$WORK/runs" "$OUT" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
off = next(r for r in runs if r["config"] == "off")["instructions_per_request"]
doc = {
    "benchmark": "observability_instructions",
    "tool": "valgrind --tool=callgrind, wrk -c16 non-streaming",
    "note": "router instructions per request (all threads, exporter included); added = over off",
    "runs": runs,
    "added_per_request": {r["config"]: round(r["instructions_per_request"] - off)
                          for r in runs if r["config"] != "off"},
}
text = json.dumps(doc, indent=2)
open(sys.argv[2], "w").write(text + "\n")
print(text)
PY
