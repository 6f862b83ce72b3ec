// onnxruntime's side of bench/encoder/run.sh: the same measurements as encoder_compare on
// MODEL_DIR/model.onnx (bench/encoder/make_onnx.py), printed as JSON on stdout.
//   node ort_bench.js MODEL_DIR THREADS
// Batch-1 latency at 16, 128 and 512 tokens (the ids of encoder_compare's texts);
// 32 concurrent 66-token requests (64 words + [CLS]/[SEP], as encoder_compare's texts), all
// session.run calls in flight at once; the 16-token embedding.
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

// n tokens: [CLS] w(37 i mod 20000) ... [SEP], word k being id k + 5 (encoder_compare's texts).
function ids(n) {
  const a = new BigInt64Array(n);
  a[0] = 2n;
  for (let i = 0; i + 2 < n; ++i) a[i + 1] = BigInt(5 + ((37 * i) % 20000));
  a[n - 1] = 3n;
  return a;
}

function feeds(tokens) {
  const pos = new BigInt64Array(tokens.length);
  for (let i = 0; i < tokens.length; ++i) pos[i] = BigInt(i);
  return {
    input_ids: new ort.Tensor('int64', tokens, [tokens.length]),
    position_ids: new ort.Tensor('int64', pos, [tokens.length]),
  };
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

async function latency(session, n) {
  const f = feeds(ids(n));
  for (let i = 0; i < 2; ++i) await session.run(f);
  const ms = [];
  const start = now();
  while (ms.length < 5 || (ms.length < 40 && now() - start < 4000)) {
    const t0 = now();
    await session.run(f);
    ms.push(now() - t0);
  }
  ms.sort((a, b) => a - b);
  return {p50_ms: +ms[Math.floor(ms.length / 2)].toFixed(2),
          p99_ms: +ms[Math.min(ms.length - 1, Math.floor(ms.length * 99 / 100))].toFixed(2),
          runs: ms.length};
}

async function concurrent(session) {
  const rps = [];
  for (let round = 0; round < 4; ++round) {
    const requests = [];
    for (let r = 0; r < 32; ++r) {
      const t = new BigInt64Array(66);
      t[0] = 2n;  // [CLS]
      for (let w = 0; w < 64; ++w) t[w + 1] = BigInt(5 + ((round * 7919 + r * 131 + w * 37) % 30000));
      t[65] = 3n;  // [SEP]
      requests.push(feeds(t));
    }
    const t0 = now();
    await Promise.all(requests.map((f) => session.run(f)));
    if (round > 0) rps.push(32 / ((now() - t0) / 1000));
  }
  rps.sort((a, b) => a - b);
  return {requests: 32, words: 64, requests_per_s: +rps[Math.floor(rps.length / 2)].toFixed(2)};
}

async function main() {
  const [dir, threads] = process.argv.slice(2);
  if (!dir || !threads) {
    console.error('usage: node ort_bench.js MODEL_DIR THREADS');
    process.exit(2);
  }
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const out = {latency: {}, version: require(path.join(__dirname, 'node_modules', 'onnxruntime-node', 'package.json')).version};
  for (const n of [16, 128, 512]) out.latency[n] = await latency(session, n);
  out.concurrent = await concurrent(session);
  const e = await session.run(feeds(ids(16)));
  out.rss_mb = +(process.memoryUsage().rss / 1048576).toFixed(1);  // node's own ~40 MB included
  out.peak_rss_mb = +(process.resourceUsage().maxRSS / 1024).toFixed(1);
  out.embedding_16 = Array.from(e.embedding.data);
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error('ort_bench: ' + (e && e.message ? e.message : e));
  process.exit(1);
});
