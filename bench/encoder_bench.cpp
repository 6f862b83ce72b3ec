// BERT encoder latency at the size of all-MiniLM-L12-v2 (upstream's "mom-embedding-light":
// hidden 384, 12 layers, 12 heads, FFN 1536) with random weights written to a temporary model
// folder: one sentence embedding (forward + mean pooling) at 16, 64 and 128 tokens, one core.
// Reports p50_ms / p99_ms. Run: build/release/bench/encoder_bench --benchmark_format=json
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "ml/bert.h"
#include "ml/parallel.h"
#include "random_model.h"

namespace {

constexpr int kVocab = 30522, kHidden = 384, kLayers = 12, kHeads = 12, kFfn = 1536, kPos = 512;

std::string WriteModel() {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vsr-encoder-bench-" + std::to_string(getpid()));
  vsr::bench::WriteRandomBert(dir, {kVocab, kHidden, kLayers, kHeads, kFfn, kPos});
  return dir;
}

const vsr::ml::BertEncoder& Encoder() {
  static const std::unique_ptr<vsr::ml::BertEncoder> encoder = [] {
    vsr::ml::SetPassHelpers(0);  // one core, as the figures say (learned_routing_bench has both)
    std::string error;
    const std::string dir = WriteModel();
    auto e = vsr::ml::BertEncoder::Load(dir, error);
    std::filesystem::remove_all(dir);
    if (!e) std::abort();
    return e;
  }();
  return *encoder;
}

void BM_EmbedOneSentence(benchmark::State& state) {
  const auto& encoder = Encoder();
  std::vector<int32_t> ids(static_cast<size_t>(state.range(0)));
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(1000 + 37 * i % 20000);
  std::vector<double> ms;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(encoder.Embed({ids}, vsr::ml::Pooling::kMean, true));
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
}
BENCHMARK(BM_EmbedOneSentence)->Arg(16)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);

// Eight 16-token questions: one padded batch against eight single forward passes, per question.
void BM_EmbedEightQuestions(benchmark::State& state) {
  const auto& encoder = Encoder();
  const bool batched = state.range(0) != 0;
  std::vector<std::vector<int32_t>> questions(8, std::vector<int32_t>(16));
  for (size_t q = 0; q < questions.size(); ++q) {
    for (size_t i = 0; i < 16; ++i) questions[q][i] = static_cast<int32_t>(1000 + 91 * q + 37 * i);
  }
  for (auto _ : state) {
    if (batched) {
      benchmark::DoNotOptimize(encoder.Embed(questions, vsr::ml::Pooling::kMean, true));
    } else {
      for (const auto& q : questions) {
        benchmark::DoNotOptimize(encoder.Embed({q}, vsr::ml::Pooling::kMean, true));
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 8);
  state.SetLabel(batched ? "one batch of 8" : "8 single passes");
}
BENCHMARK(BM_EmbedEightQuestions)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
