#include "ml/few_rows_product.h"

#include <immintrin.h>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace vsr::ml {
namespace {

#define VSR_AVX2 __attribute__((target("avx2,fma")))

// The four sums of a, b, c, d's lanes, in that order.
VSR_AVX2 inline __m128 Sum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

VSR_AVX2 inline float Sum1(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_hadd_ps(s, s);
  s = _mm_hadd_ps(s, s);
  return _mm_cvtss_f32(s);
}

// Eight weights as floats: float32 as they are, int8 widened (the product is scaled after).
VSR_AVX2 inline __m256 Load8(const float* w) {
  return _mm256_loadu_ps(w);
}
VSR_AVX2 inline __m256 Load8(const int8_t* w) {
  const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(w));
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
}

// How many outputs ahead a block prefetches weights: the block after next (measured against
// the next one and the one after that: alike, all ~5% faster at 16 tokens than none).
constexpr size_t kPrefetchOutputs = 8;

// R rows (1 to 3) by four outputs: 4R accumulators, each weight vector loaded once for the R
// rows. The tail of `in` (in % 8 values) is added one by one. With kPrefetch, the first rows of
// a block also fetch the weights of the block kPrefetchOutputs ahead: with few rows the pass
// reads each weight once, straight from memory, and waited on those loads. W is float or int8_t;
// int8 sums are multiplied by their output's scale before the bias is added. w, scale, b and y
// start at the block's first output (scale and b may be null).
template <int R, bool kPrefetch = false, typename W>
VSR_AVX2 void Block(const float* x, size_t in, const W* w, const float* scale, const float* b,
                    size_t out, float* y) {
  __m256 acc[R][4];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < 4; ++c) acc[r][c] = _mm256_setzero_ps();
  }
  const W* wr[4] = {w, w + in, w + 2 * in, w + 3 * in};
  const size_t in8 = in & ~size_t{7};
  for (size_t k = 0; k < in8; k += 8) {
    __m256 xv[R];
    for (int r = 0; r < R; ++r) xv[r] = _mm256_loadu_ps(x + r * in + k);
    if constexpr (kPrefetch) {
      for (int c = 0; c < 4; ++c) {
        _mm_prefetch(reinterpret_cast<const char*>(wr[c] + kPrefetchOutputs * in + k), _MM_HINT_T0);
      }
    }
    for (int c = 0; c < 4; ++c) {
      const __m256 wv = Load8(wr[c] + k);
      for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(xv[r], wv, acc[r][c]);
    }
  }
  const __m128 bias = b != nullptr ? _mm_loadu_ps(b) : _mm_setzero_ps();
  for (int r = 0; r < R; ++r) {
    __m128 s = Sum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]);
    if (in8 < in) {
      float tail[4] = {0, 0, 0, 0};
      for (int c = 0; c < 4; ++c) {
        for (size_t k = in8; k < in; ++k) tail[c] += x[r * in + k] * static_cast<float>(wr[c][k]);
      }
      s = _mm_add_ps(s, _mm_loadu_ps(tail));
    }
    if (scale != nullptr) s = _mm_mul_ps(s, _mm_loadu_ps(scale));
    _mm_storeu_ps(y + r * out, _mm_add_ps(s, bias));
  }
}

// One output for one row (the outputs left over after blocks of four), before its scale.
template <typename W>
VSR_AVX2 float Dot(const float* x, const W* w, size_t in) {
  __m256 acc = _mm256_setzero_ps();
  const size_t in8 = in & ~size_t{7};
  for (size_t k = 0; k < in8; k += 8) {
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + k), Load8(w + k), acc);
  }
  float s = Sum1(acc);
  for (size_t k = in8; k < in; ++k) s += x[k] * static_cast<float>(w[k]);
  return s;
}

// Four int8 weight rows widened and scaled into `wide` (4 x in floats), prefetching the rows
// kPrefetchOutputs ahead (`ahead`: whether they are this range's).
VSR_AVX2 void Widen4(const int8_t* w, const float* scale, size_t in, bool ahead, float* wide) {
  for (int c = 0; c < 4; ++c) {
    const int8_t* row = w + c * in;
    const __m256 s = _mm256_set1_ps(scale[c]);
    size_t k = 0;
    for (; k + 8 <= in; k += 8) {
      if (ahead && k % 64 == 0) {
        _mm_prefetch(reinterpret_cast<const char*>(row + kPrefetchOutputs * in + k), _MM_HINT_T0);
      }
      _mm256_storeu_ps(wide + c * in + k, _mm256_mul_ps(Load8(row + k), s));
    }
    for (; k < in; ++k) wide[c * in + k] = static_cast<float>(row[k]) * scale[c];
  }
}

// From this many rows on, outputs go sixteen at a time through Panel16 and Outer. Packing a
// panel costs 16 x in copies, paid back over the rows: one core, BERT-base's 768 -> 3072,
// alternating builds, Block and Outer were alike at 48-64 rows (36-43G multiply-adds/s, this
// VM's noise) and Block ahead below 32; at 128 rows Outer ran 768 -> 768, 768 -> 3072 and
// 3072 -> 768 at 38-44G/s where Block ran 34-42G/s (the core's peak: ~51G/s).
constexpr size_t kOuterRows = 64;

// Transposes the 8x8 block in r[0..8) (r[i] holds row i's eight values): r[j] becomes column j.
VSR_AVX2 inline void Transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// Sixteen weight rows (w[0..16) x in, from the block's first output), scaled when int8, laid
// out as `in` rows of sixteen floats: the outer-product kernel reads one contiguous row per k.
// Eight values of each row at a time, two 8x8 transposes.
template <typename W>
VSR_AVX2 void Panel16(const W* w, const float* scale, size_t in, float* panel) {
  const size_t in8 = in & ~size_t{7};
  for (size_t k = 0; k < in8; k += 8) {
    for (size_t half = 0; half < 2; ++half) {
      __m256 r[8];
      for (size_t c = 0; c < 8; ++c) {
        const size_t row = half * 8 + c;
        r[c] = Load8(w + row * in + k);
        if (scale != nullptr) r[c] = _mm256_mul_ps(r[c], _mm256_set1_ps(scale[row]));
      }
      Transpose8(r);
      for (size_t j = 0; j < 8; ++j) _mm256_storeu_ps(panel + (k + j) * 16 + half * 8, r[j]);
    }
  }
  for (size_t k = in8; k < in; ++k) {
    for (size_t c = 0; c < 16; ++c) {
      panel[k * 16 + c] = static_cast<float>(w[c * in + k]) * (scale != nullptr ? scale[c] : 1.0f);
    }
  }
}

// R rows (1 to 6) by sixteen outputs as outer products: per k, the panel's sixteen weights
// (two vectors) meet each row's x[k] broadcast, 2R accumulators. The rows stay in L1 (R x k_len
// floats) and the panel's slice too, so the loads are all L1 hits; Block streams its rows from
// L2 once per four outputs. `accumulate`: add to y (a later slice of `in`) instead of writing
// the sums with the bias.
template <int R>
VSR_AVX2 void Outer(const float* x, size_t in, size_t k_len, const float* panel, const float* b,
                    bool accumulate, size_t out, float* y) {
  __m256 lo[R], hi[R];  // outputs 0-7 and 8-15 of each row
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    lo[r] = _mm256_setzero_ps();
    hi[r] = _mm256_setzero_ps();
  }
  for (size_t k = 0; k < k_len; ++k) {
    const __m256 w0 = _mm256_loadu_ps(panel + k * 16);
    const __m256 w1 = _mm256_loadu_ps(panel + k * 16 + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 xv = _mm256_broadcast_ss(x + r * in + k);
      lo[r] = _mm256_fmadd_ps(xv, w0, lo[r]);
      hi[r] = _mm256_fmadd_ps(xv, w1, hi[r]);
    }
  }
  __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
  if (!accumulate && b != nullptr) {
    b0 = _mm256_loadu_ps(b);
    b1 = _mm256_loadu_ps(b + 8);
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    float* yr = y + r * out;
    if (accumulate) {
      b0 = _mm256_loadu_ps(yr);
      b1 = _mm256_loadu_ps(yr + 8);
    }
    _mm256_storeu_ps(yr, _mm256_add_ps(lo[r], b0));
    _mm256_storeu_ps(yr + 8, _mm256_add_ps(hi[r], b1));
  }
}

// Inputs are read this many values at a time: a 16-output panel's slice is then 16 KB and
// stays in L1 while every row passes (the whole of a 3072-wide panel is 192 KB).
constexpr size_t kOuterChunk = 256;

// Every row through Outer for the sixteen outputs whose panel is packed, a chunk of `in` at a
// time (the first writes y with the bias, the others add to it).
void OuterRows(const float* x, size_t rows, size_t in, const float* panel, const float* b,
               size_t out, float* y) {
  for (size_t k = 0; k < in; k += kOuterChunk) {
    const size_t len = std::min(kOuterChunk, in - k);
    const bool add = k > 0;
    const float* p = panel + k * 16;
    size_t r = 0;
    for (; r + 6 <= rows; r += 6) Outer<6>(x + r * in + k, in, len, p, b, add, out, y + r * out);
    using Kernel =
        void (*)(const float*, size_t, size_t, const float*, const float*, bool, size_t, float*);
    static constexpr Kernel kLeft[] = {nullptr, Outer<1>, Outer<2>, Outer<3>, Outer<4>, Outer<5>};
    if (r < rows) kLeft[rows - r](x + r * in + k, in, len, p, b, add, out, y + r * out);
  }
}

template <typename W>
void Product(const float* x, size_t rows, size_t in, const W* w, const float* scale, const float* b,
             size_t out, size_t o_begin, size_t o_end, float* y) {
  // int8 weights with more than three rows: a block's four rows are widened once and every row
  // group multiplies floats (widening them per group cost ~40% at 128 rows).
  thread_local std::vector<float> wide;
  if constexpr (std::is_same_v<W, int8_t>) {
    if (rows > 3) wide.resize(4 * in);
  }
  size_t o = o_begin;
  if (rows >= kOuterRows) {
    thread_local std::vector<float> panel;
    panel.resize(16 * in);
    for (; o + 16 <= o_end; o += 16) {
      Panel16(w + o * in, scale != nullptr ? scale + o : nullptr, in, panel.data());
      OuterRows(x, rows, in, panel.data(), b != nullptr ? b + o : nullptr, out, y + o);
    }
  }
  // Outputs in blocks of four (the weights of a block stay in L1 while every row passes).
  for (; o + 4 <= o_end; o += 4) {
    const float* bias = b != nullptr ? b + o : nullptr;
    const float* sc = scale != nullptr ? scale + o : nullptr;
    const bool ahead = o + 4 + kPrefetchOutputs <= o_end;  // the weights ahead are this range's
    if constexpr (std::is_same_v<W, int8_t>) {
      if (rows > 3) {
        Widen4(w + o * in, sc, in, ahead, wide.data());
        for (size_t r = 0; r < rows;) {
          const size_t n = std::min<size_t>(3, rows - r);
          float* yr = y + r * out + o;
          if (n == 3) Block<3>(x + r * in, in, wide.data(), nullptr, bias, out, yr);
          if (n == 2) Block<2>(x + r * in, in, wide.data(), nullptr, bias, out, yr);
          if (n == 1) Block<1>(x + r * in, in, wide.data(), nullptr, bias, out, yr);
          r += n;
        }
        continue;
      }
    }
    size_t r = 0;
    if (rows >= 3 && ahead) {
      Block<3, true>(x, in, w + o * in, sc, bias, out, y + o);
      r = 3;
    }
    for (; r + 3 <= rows; r += 3)
      Block<3>(x + r * in, in, w + o * in, sc, bias, out, y + r * out + o);
    if (rows - r == 2) Block<2>(x + r * in, in, w + o * in, sc, bias, out, y + r * out + o);
    if (rows - r == 1) Block<1>(x + r * in, in, w + o * in, sc, bias, out, y + r * out + o);
  }
  for (; o < o_end; ++o) {
    for (size_t r = 0; r < rows; ++r) {
      const float dot = Dot(x + r * in, w + o * in, in) * (scale != nullptr ? scale[o] : 1.0f);
      y[r * out + o] = dot + (b != nullptr ? b[o] : 0.0f);
    }
  }
}

}  // namespace

bool FewRowsProductAvailable() {
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
}

void FewRowsProduct(const float* x, size_t rows, size_t in, const float* w, const float* b,
                    size_t out, size_t o_begin, size_t o_end, float* y) {
  Product(x, rows, in, w, nullptr, b, out, o_begin, o_end, y);
}

void FewRowsProduct(const float* x, size_t rows, size_t in, const int8_t* w, const float* scale,
                    const float* b, size_t out, size_t o_begin, size_t o_end, float* y) {
  Product(x, rows, in, w, scale, b, out, o_begin, o_end, y);
}

}  // namespace vsr::ml
