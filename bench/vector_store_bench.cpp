// rag's vectorstore search cost: Collection::Search (exact cosine over every chunk, top 5) at
// 1k, 10k and 100k chunks of 384-d vectors (upstream's default vector store dimension), as
// p50_us / p99_us counters. It runs on the request path, so this is latency rag adds per request.
// Run: build/release/bench/vector_store_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
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

void BM_VectorStoreSearch(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::mt19937 rng(7);
  vsr::vectorstore::Collection c;
  for (size_t i = 0; i < n; ++i) {
    vsr::vectorstore::Chunk chunk;
    chunk.id = "file_x_chunk_" + std::to_string(i);
    chunk.file_id = "file_x";
    chunk.content = "chunk " + std::to_string(i);
    chunk.chunk_index = static_cast<int>(i);
    chunk.embedding = RandomVector(rng);
    c.Put(std::move(chunk));
  }
  std::vector<double> us;
  for (auto _ : state) {
    const auto query = RandomVector(rng);
    const auto start = std::chrono::steady_clock::now();
    auto hits = c.Search(query, 5, 0.0, {});
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
    benchmark::DoNotOptimize(hits);
  }
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  state.counters["chunks"] = static_cast<double>(n);
}

BENCHMARK(BM_VectorStoreSearch)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

}  // namespace
