// The kernels every encoder layer runs. ml::Linear (on oneDNN): the same numbers as a
// plain loop, with and without bias, for any row count — and from several threads at once on
// the same shape, as the router's model threads run it.
#include "ml/ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <thread>

#include "ml/fast_math.h"
#include "ml/few_rows_product.h"

namespace vsr::ml {
namespace {

std::vector<float> Random(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

std::vector<float> Reference(const std::vector<float>& x, size_t rows, size_t in,
                             const std::vector<float>& w, const std::vector<float>& b, size_t out) {
  std::vector<float> y(rows * out);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t o = 0; o < out; ++o) {
      double sum = b.empty() ? 0.0 : b[o];
      for (size_t i = 0; i < in; ++i) sum += double(x[r * in + i]) * double(w[o * in + i]);
      y[r * out + o] = static_cast<float>(sum);
    }
  }
  return y;
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-3) << "at " << i;
}

TEST(Linear, MatchesAPlainLoopForAnyRowCountWithAndWithoutBias) {
  const size_t in = 96, out = 40;
  const std::vector<float> w = Random(out * in, 1), b = Random(out, 2);
  const Weight weight{w, {}, {}, {}};
  for (size_t rows : {1u, 7u, 64u, 128u, 129u}) {  // both sides of the few-rows path (128)
    SCOPED_TRACE(rows);
    const std::vector<float> x = Random(rows * in, static_cast<unsigned>(rows));
    std::vector<float> y(rows * out, -1.0f);
    Linear(x.data(), rows, in, weight, b, out, y.data());
    ExpectNear(y, Reference(x, rows, in, w, b, out));
    Linear(x.data(), rows, in, weight, {}, out, y.data());
    ExpectNear(y, Reference(x, rows, in, w, {}, out));
  }
}

// The few-rows kernel (Linear's path up to 128 rows on AVX2 CPUs without AVX-512) on its edges: 1
// to 7 rows (blocks of three and what is left), `in` not a multiple of 8, outputs not a multiple of
// 4, and an output range that starts and ends inside the matrix (how Linear splits it between
// threads): outputs outside the range are left alone.
TEST(FewRowsProduct, MatchesAPlainLoopOnEveryEdge) {
  if (!FewRowsProductAvailable()) GTEST_SKIP() << "this CPU has no AVX2/FMA";
  for (size_t in : {8u, 13u, 96u}) {
    for (size_t out : {1u, 4u, 11u, 23u}) {  // 23: blocks that prefetch weights, then some not
      for (size_t rows = 1; rows <= 7; ++rows) {
        SCOPED_TRACE(testing::Message() << in << " -> " << out << ", " << rows << " rows");
        const std::vector<float> w = Random(out * in, 3), b = Random(out, 4),
                                 x = Random(rows * in, static_cast<unsigned>(rows));
        const std::vector<float> want = Reference(x, rows, in, w, b, out);
        std::vector<float> y(rows * out, -7.0f);
        FewRowsProduct(x.data(), rows, in, w.data(), b.data(), out, 0, out, y.data());
        ExpectNear(y, want);
        const std::vector<float> unbiased = Reference(x, rows, in, w, {}, out);
        const size_t begin = out > 4 ? 4 : 0, end = out > 4 ? out - 1 : out;
        std::fill(y.begin(), y.end(), -7.0f);
        FewRowsProduct(x.data(), rows, in, w.data(), nullptr, out, begin, end, y.data());
        for (size_t r = 0; r < rows; ++r) {
          for (size_t o = 0; o < out; ++o) {
            const float expected = o >= begin && o < end ? unbiased[r * out + o] : -7.0f;
            ASSERT_NEAR(y[r * out + o], expected, 1e-3) << "row " << r << " output " << o;
          }
        }
      }
    }
  }
}

// From 64 rows on, sixteen outputs at a time go through a packed panel as outer products, six
// rows at a time: every remainder of rows (0-5), panels and the four-output blocks after them
// (outputs not a multiple of 16), `in` beyond one 256-value slice and not a multiple of 8, and
// an output range starting inside the matrix.
TEST(FewRowsProduct, ManyRowsThroughPackedPanelsMatchAPlainLoop) {
  if (!FewRowsProductAvailable()) GTEST_SKIP() << "this CPU has no AVX2/FMA";
  for (size_t in : {13u, 96u, 300u}) {
    for (size_t out : {16u, 37u}) {
      for (size_t rows = 63; rows <= 70; ++rows) {
        SCOPED_TRACE(testing::Message() << in << " -> " << out << ", " << rows << " rows");
        const std::vector<float> w = Random(out * in, 5), b = Random(out, 6),
                                 x = Random(rows * in, static_cast<unsigned>(rows));
        std::vector<float> y(rows * out, -7.0f);
        FewRowsProduct(x.data(), rows, in, w.data(), b.data(), out, 0, out, y.data());
        ExpectNear(y, Reference(x, rows, in, w, b, out));
        const std::vector<float> unbiased = Reference(x, rows, in, w, {}, out);
        const size_t begin = 3, end = out - 1;
        std::fill(y.begin(), y.end(), -7.0f);
        FewRowsProduct(x.data(), rows, in, w.data(), nullptr, out, begin, end, y.data());
        for (size_t r = 0; r < rows; ++r) {
          for (size_t o = 0; o < out; ++o) {
            const float expected = o >= begin && o < end ? unbiased[r * out + o] : -7.0f;
            ASSERT_NEAR(y[r * out + o], expected, 1e-3) << "row " << r << " output " << o;
          }
        }
      }
    }
  }
}

// int8 weights (VLLM_SR_MATMUL=int8): an int8 copy and a scale per output replace the float
// values (a quarter of the memory). Quantized, each weight is within half a step (max|w| / 254)
// of its value.
Weight Int8Weight(const std::vector<float>& w, size_t out, size_t in) {
  Weight q{w, {}, {}, {}};
  QuantizeInt8(q, out, in);
  return q;
}

std::vector<float> Widened(const Weight& q, size_t out, size_t in) {
  std::vector<float> w(out * in);
  for (size_t o = 0; o < out; ++o) {
    for (size_t i = 0; i < in; ++i) w[o * in + i] = q.int8[o * in + i] * q.int8_scale[o];
  }
  return w;
}

TEST(Int8Weights, EachWeightIsWithinHalfAStepAndTheFloatsAreGone) {
  const size_t out = 5, in = 37;
  std::vector<float> w = Random(out * in, 11);
  for (size_t i = 0; i < in; ++i) w[2 * in + i] = 0;  // an all-zero output stays zero
  const Weight q = Int8Weight(w, out, in);
  EXPECT_TRUE(q.values.empty());
  EXPECT_FALSE(q.empty());
  ASSERT_EQ(q.int8.size(), out * in);
  ASSERT_EQ(q.int8_scale.size(), out);
  const std::vector<float> back = Widened(q, out, in);
  for (size_t o = 0; o < out; ++o) {
    float largest = 0;
    for (size_t i = 0; i < in; ++i) largest = std::max(largest, std::abs(w[o * in + i]));
    for (size_t i = 0; i < in; ++i) {
      ASSERT_LE(std::abs(back[o * in + i] - w[o * in + i]), largest / 254 + 1e-6f) << o << "," << i;
    }
  }
  EXPECT_EQ(*std::max_element(q.int8.begin(), q.int8.end()) == 127 ||
                *std::min_element(q.int8.begin(), q.int8.end()) == -127,
            true);  // the full range is used
}

// Linear on int8 weights computes with the widened weights exactly (to float rounding): on the
// few-rows kernel's edges, over many rows (in chunks), and without the kernel (CPUs without
// AVX2), where the matrix is widened for the call.
TEST(Int8Weights, LinearMultipliesTheWidenedWeights) {
  for (const bool kernel : {true, false}) {
    SetFewRowsKernelForTests(kernel);
    for (size_t in : {13u, 96u}) {
      for (size_t out : {3u, 23u}) {
        for (size_t rows : {1u, 2u, 4u, 7u, 200u}) {
          SCOPED_TRACE(testing::Message()
                       << in << " -> " << out << ", " << rows << " rows, kernel " << kernel);
          const std::vector<float> w = Random(out * in, 3), b = Random(out, 4),
                                   x = Random(rows * in, static_cast<unsigned>(rows));
          const Weight q = Int8Weight(w, out, in);
          std::vector<float> y(rows * out, -7.0f);
          Linear(x.data(), rows, in, q, b, out, y.data());
          ExpectNear(y, Reference(x, rows, in, Widened(q, out, in), b, out));
          Linear(x.data(), rows, in, q, {}, out, y.data());
          ExpectNear(y, Reference(x, rows, in, Widened(q, out, in), {}, out));
          // ...which is close to, not the same as, the float32 product.
          const std::vector<float> exact = Reference(x, rows, in, w, {}, out);
          double worst = 0;
          for (size_t i = 0; i < y.size(); ++i) {
            worst = std::max(worst, double(std::abs(y[i] - exact[i])));
          }
          EXPECT_GT(worst, 1e-4);
          EXPECT_LT(worst, 0.05 * std::sqrt(double(in)));  // sums of `in` N(0,1) products
        }
      }
    }
  }
  SetFewRowsKernelForTests(true);
}

TEST(Linear, ThreadsRunningTheSameShapeAtOnceGetTheirOwnResults) {
  const size_t rows = 48, in = 256, out = 512;
  const std::vector<float> w = Random(out * in, 3), b = Random(out, 4);
  const Weight weight{w, {}, {}, {}};
  std::vector<std::vector<float>> inputs, expected;
  for (unsigned t = 0; t < 4; ++t) {
    inputs.push_back(Random(rows * in, 10 + t));
    expected.push_back(Reference(inputs.back(), rows, in, w, b, out));
  }
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<float> y(rows * out);
      for (int round = 0; round < 30; ++round) {
        Linear(inputs[t].data(), rows, in, weight, b, out, y.data());
        for (size_t i = 0; i < y.size(); ++i) {
          if (std::abs(y[i] - expected[t][i]) > 1e-3) {
            ++wrong[t];
            break;
          }
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(wrong, (std::vector<int>{0, 0, 0, 0}));
}

// bfloat16 products (VLLM_SR_MATMUL=bf16): the bf16 copy of a weight is used while the switch
// is on, with errors of bfloat16's size (8 bits of mantissa), and float32 again when it is off.
TEST(Linear, Bf16ProductsAreCloseAndSwitchable) {
  if (!Bf16ProductsSupported()) GTEST_SKIP() << "this CPU has no bfloat16 products";
  const size_t rows = 33, in = 128, out = 64;
  const std::vector<float> w = Random(out * in, 5), b = Random(out, 6), x = Random(rows * in, 7);
  Weight weight{w, {}, {}, {}};
  for (float v : w) weight.bf16.push_back(ToBf16(v));
  const std::vector<float> want = Reference(x, rows, in, w, b, out);
  std::vector<float> y(rows * out);
  SetBf16Products(true);
  Linear(x.data(), rows, in, weight, b, out, y.data());
  SetBf16Products(false);
  double worst = 0;
  for (size_t i = 0; i < y.size(); ++i) worst = std::max(worst, double(std::abs(y[i] - want[i])));
  EXPECT_GT(worst, 1e-4);  // really computed in bfloat16...
  EXPECT_LT(worst, 0.25);  // ...with bfloat16's error on sums of 128 products of N(0,1) values
  Linear(x.data(), rows, in, weight, b, out, y.data());
  ExpectNear(y, want);
  EXPECT_EQ(ToBf16(1.0f), 0x3F80);
  EXPECT_EQ(ToBf16(1.00390625f), 0x3F80);  // halfway: rounds to even
}

// On a CPU without bfloat16 products (AVX2 and older) turning them on changes nothing: the
// products stay float32 instead of failing in oneDNN (which ended the process), and the log
// says so. Where the CPU has them, the switch takes effect.
TEST(Linear, Bf16SwitchFallsBackToFloat32WhereTheCpuCannot) {
  const size_t rows = 5, in = 64, out = 16;
  const std::vector<float> w = Random(out * in, 8), b = Random(out, 9), x = Random(rows * in, 10);
  Weight weight{w, {}, {}, {}};
  for (float v : w) weight.bf16.push_back(ToBf16(v));
  std::vector<float> y(rows * out);
  SetBf16Products(true);
  EXPECT_EQ(Bf16Products(), Bf16ProductsSupported());
  EXPECT_NO_THROW(Linear(x.data(), rows, in, weight, b, out, y.data()));
  SetBf16Products(false);
  if (!Bf16ProductsSupported()) ExpectNear(y, Reference(x, rows, in, w, b, out));

  ::setenv("VLLM_SR_MATMUL", "bf16", 1);
  const std::string bf16_note = MatmulSettingNote();
  ::setenv("VLLM_SR_MATMUL", "int8", 1);
  const std::string int8_note = MatmulSettingNote();
  ::setenv("VLLM_SR_MATMUL", "fp8", 1);
  const std::string unknown_note = MatmulSettingNote();
  ::unsetenv("VLLM_SR_MATMUL");
  EXPECT_EQ(bf16_note.empty(), Bf16ProductsSupported()) << bf16_note;
  EXPECT_EQ(int8_note, "");  // int8 weights run on any CPU
  EXPECT_NE(unknown_note.find("\"fp8\" is not a known setting (bf16, int8, or f32 the default)"),
            std::string::npos)
      << unknown_note;
  EXPECT_EQ(MatmulSettingNote(), "");
}

// The vectorizable exp and erf behind softmax and GELU stay within 1e-6 (relative) and 5e-7
// (absolute) of the library's over the ranges the encoders feed them.
TEST(FastMath, ExpAndErfMatchTheLibrary) {
  double worst_exp = 0, worst_erf = 0;
  for (float x = -80.0f; x <= 0.0f; x += 0.001f) {
    worst_exp = std::max(worst_exp, std::abs(double(FastExp(x)) / std::exp(double(x)) - 1.0));
  }
  for (float x = 0.0f; x <= 80.0f; x += 0.01f) {
    worst_exp = std::max(worst_exp, std::abs(double(FastExp(x)) / std::exp(double(x)) - 1.0));
  }
  for (float x = -8.0f; x <= 8.0f; x += 0.0005f) {
    worst_erf = std::max(worst_erf, std::abs(double(FastErf(x)) - std::erf(double(x))));
  }
  EXPECT_LT(worst_exp, 1e-6);
  EXPECT_LT(worst_erf, 5e-7);
  EXPECT_EQ(FastErf(0.0f), 0.0f);
  EXPECT_GT(FastExp(-1000.0f), 0.0f);  // clamped, never NaN
  EXPECT_TRUE(std::isfinite(FastExp(1000.0f)));
}

// Attention for one head computed the plain way, in double: query i sees key j when
// key_mask[j] is set and, with band > 0, |i - j| <= band; one that sees none gets 0.
std::vector<float> NaiveAttention(const std::vector<float>& qkv, size_t ld, size_t S, size_t d,
                                  float scale, size_t band, const std::vector<uint8_t>& key_mask) {
  std::vector<float> ctx(S * d, 0.0f);
  for (size_t i = 0; i < S; ++i) {
    std::vector<double> w(S, 0.0);
    double max = -1e300, sum = 0;
    const auto sees = [&](size_t j) {
      return key_mask[j] != 0 && (band == 0 || (i > j ? i - j : j - i) <= band);
    };
    for (size_t j = 0; j < S; ++j) {
      if (!sees(j)) continue;
      for (size_t c = 0; c < d; ++c) w[j] += double(qkv[i * ld + c]) * qkv[j * ld + d + c];
      w[j] *= scale;
      max = std::max(max, w[j]);
    }
    for (size_t j = 0; j < S; ++j) sum += sees(j) ? (w[j] = std::exp(w[j] - max)) : (w[j] = 0);
    if (sum == 0) continue;  // sees no key (padding all through its window): context 0
    for (size_t c = 0; c < d; ++c) {
      double v = 0;
      for (size_t j = 0; j < S; ++j) v += w[j] / sum * qkv[j * ld + 2 * d + c];
      ctx[i * d + c] = static_cast<float>(v);
    }
  }
  return ctx;
}

// Full attention over the keys that are not padding, and ModernBERT's local layers: attending
// in blocks over just the keys a window can reach gives what the full product gives with the
// far keys masked (padding masked too, and a window at both ends of the sequence).
TEST(AttendHead, FullAndBandedWindowsEqualThePlainComputation) {
  const size_t S = 200, d = 16, ld = 3 * d;
  const std::vector<float> qkv = Random(S * ld, 7);
  std::vector<uint8_t> key_mask(S, 1);
  std::fill(key_mask.begin() + 190, key_mask.end(), 0);  // the last 10 keys are padding
  std::vector<float> scores(S * S), got(S * d);
  for (size_t band : {0u, 9u, 64u}) {
    SCOPED_TRACE(band);
    AttendHead(qkv.data(), qkv.data() + d, qkv.data() + 2 * d, ld, S, d, 0.25f, scores.data(),
               got.data(), d, band, key_mask.data());
    const std::vector<float> want = NaiveAttention(qkv, ld, S, d, 0.25f, band, key_mask);
    for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5) << "at " << i;
  }
}

TEST(MaskedSoftmax, SumsToOneOverTheVisibleKeysAtAnyLength) {
  // Lengths around the eight lanes the passes run in, with and without a mask, whole rows and
  // windows of them; a hidden key holds the row's largest score (it must neither shift nor join
  // the sum).
  for (size_t n : {1u, 7u, 8u, 9u, 16u, 23u, 512u}) {
    for (const bool masked : {false, true}) {
      for (const auto& [begin, end] : {std::pair<size_t, size_t>{0, n}, {n / 3, n - n / 4}}) {
        SCOPED_TRACE(testing::Message()
                     << n << " masked " << masked << " [" << begin << ", " << end << ")");
        std::vector<uint8_t> key_mask(n);
        for (size_t j = 0; j < n; ++j) key_mask[j] = n == 1 || j % 3 != 1;
        const auto visible = [&](size_t j) {
          return j >= begin && j < end && (!masked || key_mask[j] != 0);
        };
        std::vector<float> row = Random(n, static_cast<unsigned>(n)), want(n, 0.0f);
        if (n > 1) row[1] = 80.0f;
        double max = -1e30, sum = 0;
        for (size_t j = 0; j < n; ++j) {
          if (visible(j)) max = std::max(max, static_cast<double>(row[j]));
        }
        for (size_t j = 0; j < n; ++j) {
          if (visible(j)) sum += std::exp(row[j] - max);
        }
        for (size_t j = 0; j < n; ++j) {
          if (visible(j)) want[j] = static_cast<float>(std::exp(row[j] - max) / sum);
        }
        std::vector<KeyRange> ranges;
        for (const KeyRange& r :
             masked ? VisibleRanges(key_mask.data(), n) : std::vector<KeyRange>{{0, n}}) {
          const size_t b = std::max(r.begin, begin), e = std::min(r.end, end);
          if (b < e) ranges.push_back({b, e});
        }
        MaskedSoftmax(row.data(), n, ranges);
        double total = 0;
        for (size_t j = 0; j < n; ++j) {
          ASSERT_NEAR(row[j], want[j], 1e-6) << "key " << j;
          total += row[j];
        }
        if (begin < end) {
          EXPECT_NEAR(total, 1.0, 1e-5);
        }
      }
    }
  }
}

TEST(MaskedSoftmax, ARowWithNoVisibleKeyIsZero) {
  std::vector<float> row = Random(20, 3);
  const std::vector<uint8_t> none(20, 0);
  EXPECT_TRUE(VisibleRanges(none.data(), none.size()).empty());
  MaskedSoftmax(row.data(), row.size(), {});
  for (float v : row) EXPECT_EQ(v, 0.0f);
}

TEST(VisibleRanges, AreTheRunsOfNonZeroBytes) {
  const std::vector<uint8_t> mask = {0, 1, 1, 0, 0, 0, 2, 1};
  const std::vector<KeyRange> got = VisibleRanges(mask.data(), mask.size());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].begin, 1u);
  EXPECT_EQ(got[0].end, 3u);
  EXPECT_EQ(got[1].begin, 6u);
  EXPECT_EQ(got[1].end, 8u);
}

// LayerNorm(x + residual) against the definition in double, with and without bias, on widths
// around the eight lanes.
TEST(LayerNorm, EqualsTheDefinitionWithResidualAndBias) {
  for (size_t n : {1u, 7u, 8u, 13u, 384u}) {
    for (const bool with_bias : {false, true}) {
      SCOPED_TRACE(testing::Message() << n << " bias " << with_bias);
      const size_t rows = 3;
      const std::vector<float> x0 = Random(rows * n, 11), residual = Random(rows * n, 12);
      std::vector<float> g = Random(n, 13), b = with_bias ? Random(n, 14) : std::vector<float>();
      for (float& v : g) v += 1.0f;
      std::vector<float> x = x0;
      LayerNorm(x.data(), residual.data(), rows, n, g, b, 1e-5f);
      for (size_t r = 0; r < rows; ++r) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; ++i) mean += double(x0[r * n + i]) + residual[r * n + i];
        mean /= double(n);
        for (size_t i = 0; i < n; ++i) {
          const double v = double(x0[r * n + i]) + residual[r * n + i] - mean;
          var += v * v;
        }
        var /= double(n);
        for (size_t i = 0; i < n; ++i) {
          const double v = double(x0[r * n + i]) + residual[r * n + i];
          const double want = (v - mean) / std::sqrt(var + 1e-5) * g[i] + (with_bias ? b[i] : 0);
          ASSERT_NEAR(x[r * n + i], want, 2e-5) << "row " << r << " at " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace vsr::ml
