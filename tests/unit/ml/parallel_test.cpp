// ParallelFor: every index runs exactly once in ranges of at least the grain; an idle core's
// helper takes part; with helpers off, or with every core already running a pass, the caller
// runs the whole loop itself; an exception in any range reaches the caller. And the split
// kernels: Linear, and BERT and ModernBERT passes, give what one thread gives.
#include "ml/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ml/encoder.h"
#include "ml/ops.h"
#include "ml/safetensors.h"

namespace vsr::ml {
namespace {

// Restores the default number of helpers when a test ends.
struct Helpers {
  explicit Helpers(size_t n) : saved(PassHelpers()) { SetPassHelpers(n); }
  ~Helpers() { SetPassHelpers(saved); }
  size_t saved;
};

TEST(ParallelFor, EveryIndexRunsOnceFromConcurrentCallers) {
  const Helpers helpers(1);
  constexpr size_t kN = 10007, kGrain = 7;
  std::vector<std::atomic<int>> hits(4 * kN);
  std::atomic<int> short_ranges{0};
  std::vector<std::thread> callers;
  for (size_t c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 20; ++round) {
        ParallelFor(kN, kGrain, [&](size_t begin, size_t end) {
          if (end - begin < kGrain && end != kN) ++short_ranges;
          for (size_t i = begin; i < end; ++i) ++hits[c * kN + i];
        });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 20) << "index " << i;
  EXPECT_EQ(short_ranges.load(), 0);
}

TEST(ParallelFor, AnIdleCoresHelperTakesPart) {
  const Helpers helpers(1);
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::atomic<int> started{0};
  ParallelFor(8, 1, [&](size_t, size_t) {
    {
      std::lock_guard lock(mu);
      threads.insert(std::this_thread::get_id());
    }
    // The first range waits (bounded) for a second one to start: only a helper can start it.
    if (started++ == 0) {
      for (int i = 0; i < 10000 && started.load() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  });
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 1u);
}

TEST(ParallelFor, WithoutHelpersTheCallerRunsTheWholeLoop) {
  const Helpers helpers(0);
  std::vector<std::pair<size_t, size_t>> ranges;
  ParallelFor(1000, 1, [&](size_t b, size_t e) { ranges.emplace_back(b, e); });
  EXPECT_EQ(ranges, (std::vector<std::pair<size_t, size_t>>{{0, 1000}}));
}

TEST(ParallelFor, NoHelpersWhileEveryCoreRunsAPass) {
  const Helpers helpers(1);
  std::vector<std::unique_ptr<PassScope>> passes;
  for (unsigned i = 0; i < std::max(1u, std::thread::hardware_concurrency()); ++i) {
    passes.push_back(std::make_unique<PassScope>());
  }
  std::vector<std::pair<size_t, size_t>> ranges;
  ParallelFor(1000, 1, [&](size_t b, size_t e) { ranges.emplace_back(b, e); });
  EXPECT_EQ(ranges, (std::vector<std::pair<size_t, size_t>>{{0, 1000}}));
  passes.pop_back();  // one core free again: the loop is split
  std::atomic<int> calls{0};
  ParallelFor(1000, 1, [&](size_t, size_t) { ++calls; });
  EXPECT_GT(calls.load(), 1);
}

TEST(ParallelFor, AnExceptionInAnyRangeReachesTheCaller) {
  const Helpers helpers(1);
  std::atomic<size_t> ran{0};
  EXPECT_THROW(ParallelFor(100, 1,
                           [&](size_t begin, size_t end) {
                             ran += end - begin;
                             if (begin <= 60 && 60 < end) throw std::runtime_error("bad range");
                           }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 100u);  // the other ranges still ran: nobody is left using the loop
}

std::vector<float> RandomValues(size_t n, unsigned seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<float>((i * 2654435761u + seed) % 1000) / 500 - 1;
  return v;
}

// A 128 -> 256 product split between threads: 300 rows by blocks of 128 rows (oneDNN), 16 rows
// by blocks of output columns (the few-rows kernel, on AVX2 CPUs without AVX-512).
TEST(ParallelFor, ASplitLinearMatchesOneThread) {
  const size_t in = 128, out = 256;
  const std::vector<float> b = RandomValues(out, 2);
  const Weight w{RandomValues(out * in, 3), {}, {}, {}};
  for (size_t rows : {16u, 300u}) {
    SCOPED_TRACE(rows);
    const std::vector<float> x = RandomValues(rows * in, 1);
    std::vector<float> alone(rows * out), split(rows * out);
    {
      const Helpers helpers(0);
      Linear(x.data(), rows, in, w, b, out, alone.data());
    }
    {
      const Helpers helpers(1);
      Linear(x.data(), rows, in, w, b, out, split.data());
    }
    for (size_t i = 0; i < alone.size(); ++i) ASSERT_NEAR(split[i], alone[i], 1e-4f) << "at " << i;
    double sum = 0;  // and it is the product, not zeros
    for (size_t i = 0; i < in; ++i) sum += x[i] * w.values[i];
    EXPECT_NEAR(alone[0], sum + b[0], 1e-3);
    EXPECT_NEAR(split[rows * out - 1], alone[rows * out - 1], 1e-4);
  }
}

// A batch of 8 full-length inputs (512 rows): attention by (sequence, head), rotary positions,
// GeGLU/GELU and norms split across threads, against the same pass on one thread.
TEST(ParallelFor, SplitEncoderPassesMatchOneThread) {
  for (const char* model : {"tiny-bert", "tiny-modernbert"}) {
    SCOPED_TRACE(model);
    const std::string dir = std::string(VSR_FIXTURES_DIR) + "/ml/" + model;
    std::string error;
    ModelConfig cfg;
    ASSERT_TRUE(ModelConfig::Load(dir + "/config.json", cfg, error)) << error;
    auto weights = SafetensorsFile::Open(dir + "/model.safetensors", error);
    ASSERT_TRUE(weights) << error;
    auto encoder = LoadEncoder(cfg, *weights, error);
    ASSERT_TRUE(encoder) << error;
    std::vector<std::vector<int32_t>> batch(8);
    for (size_t i = 0; i < batch.size(); ++i) {
      for (size_t t = 0; t < 60 - i; ++t)
        batch[i].push_back(static_cast<int32_t>((t * 7 + i) % 25));
    }
    size_t seq = 0;
    std::vector<float> alone, split;
    {
      const Helpers helpers(0);
      alone = encoder->Forward(batch, seq);
    }
    {
      const Helpers helpers(1);
      split = encoder->Forward(batch, seq);
    }
    ASSERT_EQ(alone.size(), split.size());
    for (size_t i = 0; i < alone.size(); ++i) ASSERT_NEAR(split[i], alone[i], 1e-5f) << "at " << i;
  }
}

}  // namespace
}  // namespace vsr::ml
