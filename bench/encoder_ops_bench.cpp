// The encoder's element-wise steps at MiniLM / BERT-base row widths, one core: LayerNorm over
// rows of 384 and 768 (with the residual added, as every layer does), GELU over a row of 1536
// and 3072, and one softmax row of attention scores over 128 and 512 keys (all visible, and with
// a quarter hidden as padding). Between them they are ~15% of a 512-token pass. And one weight
// product (Linear) at BERT-base's shapes, from 12 to 512 rows; a whole pass is measured by
// encoder_compare. Run: build/release/bench/encoder_ops_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "ml/ops.h"
#include "ml/parallel.h"
#include "ml/weight.h"

namespace {

std::vector<float> Random(size_t n, float scale) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

void BM_LayerNormWithResidual(benchmark::State& state) {
  vsr::ml::SetPassHelpers(0);
  const auto n = static_cast<size_t>(state.range(0));
  constexpr size_t kRows = 64;
  const std::vector<float> input = Random(kRows * n, 1.0f), residual = Random(kRows * n, 1.0f);
  const std::vector<float> gain = Random(n, 1.0f), bias = Random(n, 0.1f);
  std::vector<float> x(input.size());
  for (auto _ : state) {
    x = input;
    vsr::ml::LayerNorm(x.data(), residual.data(), kRows, n, gain, bias, 1e-12f);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRows));  // rows
}
BENCHMARK(BM_LayerNormWithResidual)->Arg(384)->Arg(768);

void BM_GeluExact(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<float> input = Random(n, 2.0f);
  std::vector<float> x(n);
  for (auto _ : state) {
    x = input;
    vsr::ml::Activate(x.data(), n, vsr::ml::Activation::kGeluExact);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_GeluExact)->Arg(1536)->Arg(3072);

// range(0): keys; range(1): 1 when the last quarter of the keys is padding. The ranges are
// found once, as AttendHead does for all of a head's rows.
void BM_MaskedSoftmaxRow(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> key_mask(n, 1);
  if (state.range(1) != 0) std::fill(key_mask.end() - static_cast<long>(n / 4), key_mask.end(), 0);
  const std::vector<vsr::ml::KeyRange> visible = vsr::ml::VisibleRanges(key_mask.data(), n);
  const std::vector<float> input = Random(n, 3.0f);
  std::vector<float> x(n);
  for (auto _ : state) {
    x = input;
    vsr::ml::MaskedSoftmax(x.data(), n, visible);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_MaskedSoftmaxRow)->Args({128, 0})->Args({512, 0})->Args({512, 1});

// One weight product at BERT-base's shapes, one core: range(0) rows, range(1) in, range(2) out
// (768 -> 3072 is the feed-forward's first product, 3072 -> 768 its second). Up to 128 rows
// Linear runs FewRowsProduct (AVX2: dot products below 64 rows, packed panels from 64), beyond
// it oneDNN; items are multiply-adds (a Zen 3 core's peak: ~51G/s).
void BM_Linear(benchmark::State& state) {
  vsr::ml::SetPassHelpers(0);
  const auto rows = static_cast<size_t>(state.range(0)), in = static_cast<size_t>(state.range(1)),
             out = static_cast<size_t>(state.range(2));
  const std::vector<float> x = Random(rows * in, 1.0f), b = Random(out, 0.1f);
  vsr::ml::Weight w;
  w.values = Random(out * in, 0.05f);
  std::vector<float> y(rows * out);
  for (auto _ : state) {
    vsr::ml::Linear(x.data(), rows, in, w, b, out, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows * in * out));
}
BENCHMARK(BM_Linear)
    ->Args({12, 768, 3072})
    ->Args({32, 768, 3072})
    ->Args({64, 768, 3072})
    ->Args({128, 768, 768})
    ->Args({128, 768, 3072})
    ->Args({128, 3072, 768})
    ->Args({512, 768, 3072});

}  // namespace
