#!/usr/bin/env bash
# Paired A/B of two routers: the same load against router A, router B and nginx in turn, round
# after round, all three on one simulator, counting each process's CPU per request from /proc:
# user + kernel, and each apart (the kernel's part is mostly the sockets' work, which every proxy
# has; the user part is what the proxy itself does). On this shared VM the same binary's CPU a
# request moves by 25% between back-to-back runs; within a round the three targets see the same
# machine, so compare the per-round figures and their medians, not two separate runs.
#
#   bash bench/proxy/ab.sh [--rounds 6] [--duration 3] [--connections 256] [--out FILE]
#
# A and B differ by binary (BIN_A, BIN_B; default: this tree's release build) and/or by a
# `global:` block appended to the bench config (GLOBAL_A, GLOBAL_B), e.g.
#   BIN_A=/tmp/vllm-sr.before bash bench/proxy/ab.sh
#   GLOBAL_B=$'global:\n  services:\n    router_replay: {enabled: false}' bash bench/proxy/ab.sh
# Prints one JSON document (also written to FILE, default none). Needs wrk and nginx-light.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=6
DURATION=3
CONNECTIONS=256
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
source bench/proxy/lib.sh
BIN_A=${BIN_A:-$BIN}
BIN_B=${BIN_B:-$BIN}
for b in "$BIN_A" "$BIN_B"; do [[ -x "$b" ]] || { echo "not an executable: $b" >&2; exit 1; }; done

SIM_PORT=$(free_port); PORT_A=$(free_port); PORT_B=$(free_port); NGINX_PORT=$(free_port)
"$BIN" simulator --address 127.0.0.1 --port "$SIM_PORT" --output-tokens 16 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
start_router() {  # $1 binary, $2 data port, $3 config file, $4 global yaml; prints the pid
  write_config "$3" "$2" "$SIM_PORT" "$4"
  "$1" validate "$3" >/dev/null
  "$1" router --config "$3" --address 127.0.0.1 --port "$(free_port)" \
    --metrics-port "$(free_port)" --access-log "$3.access" --watch-interval-ms 0 \
    >"$3.log" 2>&1 &
  echo $!
}
PID_A=$(start_router "$BIN_A" "$PORT_A" "$WORK/a.yaml" "${GLOBAL_A:-}"); PIDS+=("$PID_A")
PID_B=$(start_router "$BIN_B" "$PORT_B" "$WORK/b.yaml" "${GLOBAL_B:-}"); PIDS+=("$PID_B")
start_nginx_proxy "$NGINX_PORT" "$SIM_PORT"
wait_http "$SIM_PORT"; wait_http "$PORT_A"; wait_http "$PORT_B"

ticks() {  # "user system": clock ticks of every thread of the given processes
  local user=0 sys=0 p t u s
  for p in "$@"; do
    for t in /proc/"$p"/task/*/stat; do
      read -r u s < <(awk '{print $14, $15}' "$t")
      user=$((user + u)); sys=$((sys + s))
    done
  done
  echo "$user $sys"
}

for port in "$PORT_A" "$PORT_B" "$NGINX_PORT"; do  # warm up: pools, caches
  model=$([[ $port == "$NGINX_PORT" ]] && echo sim-general || echo MoM)
  VSR_BENCH_BODY="$(body "$model" false)" wrk -t1 -c16 -d2s -s bench/proxy/wrk_report.lua \
    "http://127.0.0.1:$port/v1/chat/completions" >/dev/null
done

: >"$WORK/rounds"
for round in $(seq 1 "$ROUNDS"); do
  for target in A B nginx; do
    case $target in
      A) port=$PORT_A; pids=$PID_A; model=MoM ;;
      B) port=$PORT_B; pids=$PID_B; model=MoM ;;
      nginx) port=$NGINX_PORT; pids=$NGINX_WORKERS; model=sim-general ;;
    esac
    echo "ab: $target round $round (${DURATION}s, $CONNECTIONS connections)" >&2
    # shellcheck disable=SC2086 # several nginx workers
    before=$(ticks $pids)
    r=$(wrk_json "http://127.0.0.1:$port/v1/chat/completions" "$CONNECTIONS" \
          "$(body "$model" false)" 2 "$DURATION")
    # shellcheck disable=SC2086
    after=$(ticks $pids)
    read -r user0 sys0 <<<"$before"
    read -r user1 sys1 <<<"$after"
    echo "$target $round $((user1 - user0)) $((sys1 - sys0)) $r" >>"$WORK/rounds"
  done
done

RESULT=$(python3 - "$WORK/rounds" "$(getconf CLK_TCK)" "$BIN_A" "$BIN_B" "$CONNECTIONS" \
           "$DURATION" <<'PY'
import json, statistics, sys
path, hz, bin_a, bin_b, conns, duration = sys.argv[1:]
rounds = {}
for line in open(path):
    target, rnd, user, kernel, result = line.split(" ", 4)
    user, kernel, r = int(user), int(kernel), json.loads(result)
    per_request = lambda ticks: ticks * 1e6 / int(hz) / max(r["requests"], 1)
    rounds.setdefault(target, []).append({
        "round": int(rnd), "rps": r["rps"], "p99_ms": r["p99_ms"],
        "cpu_us_per_request": per_request(user + kernel),
        "user_us_per_request": per_request(user), "kernel_us_per_request": per_request(kernel)})
def summary(rows):
    return {"median_rps": statistics.median(x["rps"] for x in rows),
            "median_p99_ms": statistics.median(x["p99_ms"] for x in rows),
            **{"median_" + k: round(statistics.median(x[k] for x in rows), 1)
               for k in ("cpu_us_per_request", "user_us_per_request", "kernel_us_per_request")},
            "rounds": rows}
doc = {"benchmark": "proxy_ab", "connections": int(conns), "duration_s": int(duration),
       "a": {"binary": bin_a, **summary(rounds["A"])},
       "b": {"binary": bin_b, **summary(rounds["B"])},
       "nginx": summary(rounds["nginx"]),
       "per_round_rps_over_nginx": {
           t.lower(): [round(x["rps"] / n["rps"], 3) for x, n in zip(rounds[t], rounds["nginx"])]
           for t in ("A", "B")},
       "b_cpu_over_a_per_round": [round(b["cpu_us_per_request"] / a["cpu_us_per_request"], 3)
                                  for a, b in zip(rounds["A"], rounds["B"])]}
print(json.dumps(doc, indent=2))
PY
)
echo "$RESULT"
[[ -z "$OUT" ]] || echo "$RESULT" >"$OUT"
