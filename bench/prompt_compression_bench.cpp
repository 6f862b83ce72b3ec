// Prompt compression cost (upstream's TextRank + position + TF-IDF, max_tokens 512) on prose of
// about 1k, 4k and 16k tokens (past 500 sentences the input is sampled, as upstream does), side
// by side with the max_evaluation_chars cut alone — what a long prompt costs before its
// (bounded) classifier passes.
// Run: build/release/bench/prompt_compression_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include <string>

#include "routing/prompt_compression.h"

namespace {

// Varied sentences: a topic word and a number change per sentence, so TF-IDF and TextRank
// have something to rank.
std::string Prose(int approx_tokens) {
  static const char* kTopics[] = {"cooking", "physics", "travel", "finance", "music",
                                  "law",     "biology", "poetry", "chess",   "weather"};
  std::string text;
  for (int i = 0; vsr::routing::ApproxTokens(text) < approx_tokens; ++i) {
    text += "In part " + std::to_string(i) + " the writer discusses " + kTopics[i % 10] +
            " and how it relates to " + kTopics[(i * 7 + 3) % 10] + " in daily life. ";
  }
  return text;
}

void BM_Compress(benchmark::State& state) {
  const std::string text = Prose(static_cast<int>(state.range(0)));
  vsr::config::PromptCompression pc;
  pc.enabled = true;
  pc.max_tokens = 512;
  size_t kept = 0;
  for (auto _ : state) {
    const vsr::routing::SignalTexts t = vsr::routing::PrepareSignalTexts(text, pc);
    kept = t.Compressed().size();
    benchmark::DoNotOptimize(kept);
  }
  state.counters["input_tokens"] = vsr::routing::ApproxTokens(text);
  state.counters["output_tokens"] =
      vsr::routing::ApproxTokens(vsr::routing::PrepareSignalTexts(text, pc).Compressed());
}
BENCHMARK(BM_Compress)->Arg(1000)->Arg(4000)->Arg(16000)->Unit(benchmark::kMillisecond);

void BM_CutOnly(benchmark::State& state) {
  const std::string text = Prose(static_cast<int>(state.range(0)));
  vsr::config::PromptCompression pc;
  pc.max_evaluation_chars = 8192;
  for (auto _ : state) {
    const vsr::routing::SignalTexts t = vsr::routing::PrepareSignalTexts(text, pc);
    benchmark::DoNotOptimize(t.full.size());
  }
}
BENCHMARK(BM_CutOnly)->Arg(1000)->Arg(4000)->Arg(16000)->Unit(benchmark::kMillisecond);

}  // namespace
