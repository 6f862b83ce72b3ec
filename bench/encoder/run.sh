#!/usr/bin/env bash
# Encoder benchmark: vllm-sr's BERT encoder against onnxruntime (npm onnxruntime-node) on the
# same random-weight model, the same token ids and the same thread count, in one run, for a
# MiniLM-L6-sized (hidden 384, 6 layers, FFN 1536) and a BERT-base-sized (768, 12 layers, 3072)
# model:
#   - batch-1 latency p50/p99 at 16, 128 and 512 tokens;
#   - throughput of 32 concurrent 66-token requests (ours micro-batched as the router does:
#     a model thread per core, up to 8 texts per pass; onnxruntime: every run in flight at once);
#   - resident memory against the weights' size, and the largest difference between the two
#     embeddings of one input (the same weights must give the same numbers).
# Rounds alternate which side runs first; each figure is the median over rounds. Prints one JSON
# document (also written to bench/encoder/results.json).
#
#   bash bench/encoder/run.sh [--rounds 2] [--threads N] [--models minilm,base] [--out FILE]
#                             [--matmul f32|int8|bf16]   (VLLM_SR_MATMUL for our side; onnxruntime
#                                                         stays float32, the reference)
#
# Needs a release build (cmake --preset release && cmake --build --preset release) and
# bench/encoder/node_modules (scripts/setup installs it).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=2
THREADS=$(nproc)
MODELS=minilm,base
OUT=bench/encoder/results.json
MATMUL=f32
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --matmul) MATMUL="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
case "$MATMUL" in f32|int8|bf16) ;; *) echo "--matmul takes f32, int8 or bf16" >&2; exit 2 ;; esac
export VLLM_SR_MATMUL=$MATMUL
BIN=build/release/bench/encoder_compare
[[ -x $BIN ]] || { echo "missing $BIN: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
[[ -d bench/encoder/node_modules/onnxruntime-node ]] || { echo "missing onnxruntime-node: bash scripts/setup" >&2; exit 1; }
if [[ $THREADS -ne $(nproc) ]]; then
  # Our side uses a thread per core (model threads, pass helpers): pin it to THREADS cores.
  OURS=(taskset -c "0-$((THREADS - 1))" "$BIN")
else
  OURS=("$BIN")
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

declare -A SIZES=([minilm]="384 6 12 1536" [base]="768 12 12 3072")
for model in ${MODELS//,/ }; do
  [[ -n ${SIZES[$model]:-} ]] || { echo "unknown model $model (minilm, base)" >&2; exit 2; }
  dir="$WORK/$model"
  echo "encoder bench: $model: writing the model and its ONNX export" >&2
  # shellcheck disable=SC2086
  "$BIN" write "$dir" ${SIZES[$model]}
  python3 bench/encoder/make_onnx.py "$dir"
  for ((round = 0; round < ROUNDS; round++)); do
    order=(ours ort)
    ((round % 2 == 1)) && order=(ort ours)
    for side in "${order[@]}"; do
      echo "encoder bench: $model: round $((round + 1))/$ROUNDS: $side" >&2
      if [[ $side == ours ]]; then
        "${OURS[@]}" run "$dir" >"$WORK/$model.ours.$round.json"
      else
        node bench/encoder/ort_bench.js "$dir" "$THREADS" >"$WORK/$model.ort.$round.json"
      fi
    done
  done
  stat -c %s "$dir/model.safetensors" >"$WORK/$model.bytes"
  rm -rf "$dir"
done

python3 - "$WORK" "$MODELS" "$ROUNDS" "$THREADS" "$OUT" "$MATMUL" <<'EOF'
import json, statistics, sys, platform
work, models, rounds, threads, out, matmul = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]

def load(model, side):
    return [json.load(open(f"{work}/{model}.{side}.{r}.json")) for r in range(rounds)]

def median_of(runs):
    def m(get):
        return round(statistics.median(get(r) for r in runs), 2)
    lat = {n: {k: m(lambda r: r["latency"][n][k]) for k in ("p50_ms", "p99_ms")} for n in runs[0]["latency"]}
    return {"latency": lat,
            "concurrent_requests_per_s": m(lambda r: r["concurrent"]["requests_per_s"]),
            "rss_mb": m(lambda r: r["rss_mb"]), "peak_rss_mb": m(lambda r: r["peak_rss_mb"]),
            "rounds": [{"latency_p50_ms": {n: r["latency"][n]["p50_ms"] for n in r["latency"]},
                        "concurrent_requests_per_s": r["concurrent"]["requests_per_s"]} for r in runs]}

cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
flags = open("/proc/cpuinfo").read()
result = {"machine": {"cpu": cpu, "cores": threads, "avx512": " avx512f" in flags, "avx2": " avx2" in flags},
          "threads": threads, "rounds": rounds, "matmul": matmul, "models": {}}
for model in models:
    ours, ort = load(model, "ours"), load(model, "ort")
    a, b = median_of(ours), median_of(ort)
    weights_mb = int(open(f"{work}/{model}.bytes").read()) / 1048576
    diff = max(max(abs(x - y) for x, y in zip(o["embedding_16"], r["embedding_16"])) for o, r in zip(ours, ort))
    result["models"][model] = {
        "weights_mb": round(weights_mb, 1),
        "vllm_sr": a, "onnxruntime": b, "onnxruntime_version": ort[0]["version"],
        "latency_ratio_vs_onnxruntime": {n: round(a["latency"][n]["p50_ms"] / b["latency"][n]["p50_ms"], 2) for n in a["latency"]},
        "throughput_ratio_vs_onnxruntime": round(a["concurrent_requests_per_s"] / b["concurrent_requests_per_s"], 2),
        "rss_over_weights": round(a["rss_mb"] / weights_mb, 2),
        "max_abs_embedding_difference": diff,
    }
text = json.dumps(result, indent=2)
open(out, "w").write(text + "\n")
print(text)
EOF
