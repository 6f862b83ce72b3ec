#!/usr/bin/env bash
# What a long prompt costs the router: for prompts of about 0.1, 4, 16 and 64 KB (English words,
# one user message), the router's CPU per request (user + system, from /proc over the run) and
# wrk's rps and latency through the router, next to the same load sent straight to the
# simulator in the same run. The router parses the body, lowers and scans the prompt for the
# keyword signal, records it (router replay), forwards the body (its model swapped); the
# simulator parses it too. Prints one JSON document (also written to FILE).
#
#   bash bench/proxy/prompt_size.sh [--duration 4] [--out FILE]
#
# Needs a release build and wrk (scripts/setup).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=4
OUT=bench/proxy/prompt_size_results.json
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source bench/proxy/lib.sh

SIM_PORT=$(free_port); PORT=$(free_port)
"$BIN" simulator --address 127.0.0.1 --port "$SIM_PORT" --output-tokens 16 >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
PIDS+=($SIM_PID)
write_config "$WORK/config.yaml" "$PORT" "$SIM_PORT"
"$BIN" router --config "$WORK/config.yaml" --address 127.0.0.1 --port "$(free_port)" \
  --metrics-port "$(free_port)" --access-log "$WORK/access.log" --watch-interval-ms 0 \
  >"$WORK/router.log" 2>&1 &
ROUTER_PID=$!
PIDS+=($ROUTER_PID)
wait_http "$SIM_PORT"; wait_http "$PORT"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ROWS="["
for kb in 0.1 4 16 64; do
  PROMPT=$(python3 -c "
import random
random.seed(1)
words = 'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who its now find long down day did get come made may part'.split()
text = []
while sum(len(w) + 1 for w in text) < $kb * 1024 - 40:
    text.append(random.choice(words))
print(' '.join(text) + ' My python function segfaults')")
  for target in direct vllm-sr; do
    if [[ $target == direct ]]; then url="http://127.0.0.1:$SIM_PORT/v1/chat/completions"; model=sim-general
    else url="http://127.0.0.1:$PORT/v1/chat/completions"; model=MoM; fi
    BODY="$(body "$model" false)"
    echo "bench: $target, prompt ${kb} KB (${#BODY}-byte body), ${DURATION}s" >&2
    VSR_BENCH_BODY="$BODY" wrk -t1 -c4 -d1s -s bench/proxy/wrk_report.lua "$url" >/dev/null
    r0=$(cpu_ticks "$ROUTER_PID"); s0=$(cpu_ticks "$SIM_PID")
    r=$(wrk_json "$url" 4 "$BODY" 1 "$DURATION")
    r1=$(cpu_ticks "$ROUTER_PID"); s1=$(cpu_ticks "$SIM_PID")
    [[ $ROWS == "[" ]] || ROWS+=","
    ROWS+="{\"target\":\"$target\",\"prompt_kb\":$kb,\"body_bytes\":${#BODY},\"router_ticks\":$((r1 - r0)),\"simulator_ticks\":$((s1 - s0)),\"result\":$r}"
  done
done
ROWS+="]"
python3 - "$ROWS" "$OUT" "$(machine_json)" "$(getconf CLK_TCK)" <<'PY'
import json, sys
rows, out, machine, hz = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
for r in rows:
    n = max(r["result"]["requests"], 1)
    r["router_cpu_us_per_request"] = round(r.pop("router_ticks") * 1e6 / hz / n, 1)
    r["simulator_cpu_us_per_request"] = round(r.pop("simulator_ticks") * 1e6 / hz / n, 1)
    if r["target"] == "direct":
        del r["router_cpu_us_per_request"]  # idle: not on the path
    else:  # the VM's speed drifts by 20% between runs; this ratio hardly moves
        r["router_over_simulator_cpu"] = round(
            r["router_cpu_us_per_request"] / max(r["simulator_cpu_us_per_request"], 0.1), 2)
doc = {"benchmark": "proxy_prompt_size", "machine": machine,
       "note": "wrk -c4, non-streaming; CPU per request from /proc (ticks, so +-1 tick over the run); "
               "direct and vllm-sr rows of one prompt size ran back to back",
       "runs": rows}
text = json.dumps(doc, indent=2)
open(out, "w").write(text + "\n")
print(text)
PY
