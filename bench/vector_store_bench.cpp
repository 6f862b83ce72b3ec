// rag's vectorstore search cost: Collection::Search (exact cosine over every chunk, top 5) at
// 1k, 10k and 100k chunks of 384-d vectors (upstream's default vector store dimension), as
// p50_us / p99_us counters. It runs on the request path, so this is latency rag adds per request.
// BM_VectorStoreHybridSearch: the search API's hybrid search (vectors + BM25 + 3-gram Jaccard
// over every chunk) on chunks of ~800 characters of words, with the one-off text indexing after
// a change as index_ms.
// Run: build/release/bench/vector_store_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "vectorstore/collection.h"

namespace {

constexpr size_t kDim = 384;

std::vector<float> RandomVector(std::mt19937& rng) {
  std::normal_distribution<float> d(0, 1);
  std::vector<float> v(kDim);
  for (float& x : v) x = d(rng);
  return v;
}

// `n` chunks of one file with random embeddings and `content(rng, i)`.
template <typename Content>
void Fill(vsr::vectorstore::Collection& c, size_t n, std::mt19937& rng, Content content) {
  for (size_t i = 0; i < n; ++i) {
    vsr::vectorstore::Chunk chunk;
    chunk.id = "file_x_chunk_" + std::to_string(i);
    chunk.file_id = "file_x";
    chunk.content = content(rng, i);
    chunk.chunk_index = static_cast<int>(i);
    chunk.embedding = RandomVector(rng);
    c.Put(std::move(chunk));
  }
}

// p50_us / p99_us of the timed searches, and the collection size.
void Report(benchmark::State& state, std::vector<double>& us, size_t n) {
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  state.counters["chunks"] = static_cast<double>(n);
}

void BM_VectorStoreSearch(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::mt19937 rng(7);
  vsr::vectorstore::Collection c;
  Fill(c, n, rng, [](std::mt19937&, size_t i) { return "chunk " + std::to_string(i); });
  std::vector<double> us;
  for (auto _ : state) {
    const auto query = RandomVector(rng);
    const auto start = std::chrono::steady_clock::now();
    auto hits = c.Search(query, 5, 0.0, {});
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
    benchmark::DoNotOptimize(hits);
  }
  Report(state, us, n);
}

BENCHMARK(BM_VectorStoreSearch)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// ~`words` words drawn from a 5,000-word vocabulary (Zipf-like: low ids far more often).
std::string RandomText(std::mt19937& rng, int words) {
  std::uniform_real_distribution<double> u(0, 1);
  std::string text;
  for (int i = 0; i < words; ++i) {
    const int id = static_cast<int>(std::pow(5000.0, u(rng)));
    text += "w" + std::to_string(id) + (i % 12 == 11 ? ". " : " ");
  }
  return text;
}

void BM_VectorStoreHybridSearch(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::mt19937 rng(7);
  vsr::vectorstore::Collection c;
  Fill(c, n, rng, [](std::mt19937& r, size_t) { return RandomText(r, 130); });
  const vsr::vectorstore::HybridOptions options;
  auto start = std::chrono::steady_clock::now();
  benchmark::DoNotOptimize(c.HybridSearch(RandomVector(rng), "w1 w2", 5, 0.0, {}, options));
  state.counters["index_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> us;
  for (auto _ : state) {
    const auto query = RandomVector(rng);
    const std::string text = RandomText(rng, 8);
    start = std::chrono::steady_clock::now();
    auto hits = c.HybridSearch(query, text, 5, 0.0, {}, options);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
    benchmark::DoNotOptimize(hits);
  }
  Report(state, us, n);
}

BENCHMARK(BM_VectorStoreHybridSearch)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
