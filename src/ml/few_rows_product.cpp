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
