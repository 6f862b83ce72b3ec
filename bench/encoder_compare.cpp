// Our side of bench/encoder/run.sh, which compares vllm-sr's BERT encoder with onnxruntime
// (npm onnxruntime-node) on the same random-weight model in one run.
//   encoder_compare write DIR HIDDEN LAYERS HEADS FFN   a BertModel folder (vocabulary 30522,
//                                                       512 positions)
//   encoder_compare run DIR                             JSON on stdout: batch-1 latency at 16,
//                                                       128 and 512 tokens; 32 concurrent
//                                                       64-word requests (micro-batched as the
//                                                       router does); the 16-token embedding
//   encoder_compare latency DIR TOKENS                  one of those latencies alone, and
//   encoder_compare concurrent DIR ROUNDS               the concurrent requests alone (to
//                                                       profile one of them: perf record -- ...)
// A request of n tokens is [CLS] w(37 i mod 20000) ... [SEP]: text here, ids in
// bench/encoder/ort_bench.js (word k is id k + 5). Only the embedder is loaded, so the peak RSS
// reported is one copy of the weights plus what running them needs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "ml/text_batcher.h"
#include "ml/text_embedder.h"
#include "random_model.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// n tokens with [CLS] and [SEP].
std::string Text(size_t n) {
  std::string text;
  for (size_t i = 0; i + 2 < n; ++i) text += "w" + std::to_string((37 * i) % 20000) + " ";
  return text;
}

// A /proc/self/status figure in MB: VmRSS (resident now) or VmHWM (the peak, loading included:
// the checkpoint's mapped pages and the weights read from them are both resident for a moment).
double StatusMb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atof(line.c_str() + field.size() + 1) / 1024;
  }
  return 0;
}

// Timed passes until about 4 s or 40 passes (at least 5), after two untimed ones.
std::string Latency(const vsr::ml::TextEmbedder& embedder, size_t tokens) {
  const std::string text = Text(tokens);
  for (int i = 0; i < 2; ++i) embedder.Embed(text);
  std::vector<double> ms;
  const auto start = Clock::now();
  while (ms.size() < 5 || (ms.size() < 40 && Ms(start) < 4000)) {
    const auto t0 = Clock::now();
    embedder.Embed(text);
    ms.push_back(Ms(t0));
  }
  std::sort(ms.begin(), ms.end());
  const double p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  char out[160];
  std::snprintf(out, sizeof out, R"("%zu":{"p50_ms":%.2f,"p99_ms":%.2f,"runs":%zu})", tokens,
                ms[ms.size() / 2], p99, ms.size());
  return out;
}

// 32 callers at once, each a different 64-word text, through a TextBatcher with a model thread
// per core and up to 8 texts per pass; three rounds after one untimed, requests per second of
// the median round (`rounds` counts the untimed one).
std::string Concurrent(const vsr::ml::TextEmbedder& embedder, int rounds = 4) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  vsr::ml::TextBatcher batcher(
      [&](const std::vector<std::string>& texts) { return embedder.EmbedBatch(texts); }, cores, 8);
  std::vector<double> rps;
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::promise<std::vector<float>>> answers(32);
    const auto t0 = Clock::now();
    for (size_t r = 0; r < answers.size(); ++r) {
      std::string text;
      for (size_t w = 0; w < 64; ++w)
        text += "w" + std::to_string((round * 7919 + r * 131 + w * 37) % 30000) + " ";
      batcher.Submit(std::move(text),
                     [&answers, r](std::vector<float> v) { answers[r].set_value(std::move(v)); });
    }
    for (auto& a : answers) a.get_future().get();
    if (round > 0) rps.push_back(32 / (Ms(t0) / 1000));
  }
  std::sort(rps.begin(), rps.end());
  char out[160];
  std::snprintf(out, sizeof out,
                R"({"requests":32,"words":64,"requests_per_s":%.2f,"passes":%llu})",
                rps[rps.size() / 2], static_cast<unsigned long long>(batcher.batches()));
  return out;
}

int Run(const std::string& dir) {
  std::string error;
  auto embedder = vsr::ml::TextEmbedder::Load(dir, error);
  if (!embedder) {
    std::cerr << "encoder_compare: " << error << "\n";
    return 1;
  }
  std::string json = R"({"latency":{)";
  for (size_t tokens : {16, 128, 512}) {
    json += (tokens == 16 ? "" : ",") + Latency(*embedder, tokens);
  }
  json += R"(},"concurrent":)" + Concurrent(*embedder);
  char rss[96];
  std::snprintf(rss, sizeof rss, R"(,"rss_mb":%.1f,"peak_rss_mb":%.1f,"embedding_16":[)",
                StatusMb("VmRSS"), StatusMb("VmHWM"));
  json += rss;
  const std::vector<float> embedding = embedder->Embed(Text(16));
  for (size_t i = 0; i < embedding.size(); ++i) {
    char v[32];
    std::snprintf(v, sizeof v, "%s%.7g", i ? "," : "", static_cast<double>(embedding[i]));
    json += v;
  }
  std::cout << json << "]}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 6 && args[0] == "write") {
    const auto n = [&](size_t i) { return std::atoi(args[i].c_str()); };
    vsr::bench::WriteRandomBert(args[1], {30522, n(2), n(3), n(4), n(5), 512});
    return 0;
  }
  if (args.size() == 2 && args[0] == "run") return Run(args[1]);
  if (args.size() == 3 && (args[0] == "latency" || args[0] == "concurrent")) {
    const int n = std::atoi(args[2].c_str());
    std::string error;
    auto embedder = vsr::ml::TextEmbedder::Load(args[1], error);
    if (!embedder || n < 2) {
      std::cerr << "encoder_compare: " << (embedder ? "TOKENS/ROUNDS must be at least 2" : error)
                << "\n";
      return 1;
    }
    std::cout << (args[0] == "latency" ? Latency(*embedder, static_cast<size_t>(n))
                                       : Concurrent(*embedder, n))
              << "\n";
    return 0;
  }
  std::cerr << "usage: encoder_compare write DIR HIDDEN LAYERS HEADS FFN | run DIR | latency DIR "
               "TOKENS | concurrent DIR ROUNDS\n";
  return 2;
}
