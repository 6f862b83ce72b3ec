#include "ml/few_rows_product.h"

#include <immintrin.h>

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

// How many outputs ahead a block prefetches weights: the block after next (measured against
// the next one and the one after that: alike, all ~5% faster at 16 tokens than none).
constexpr size_t kPrefetchOutputs = 8;

// R rows (1 to 3) by four outputs: 4R accumulators, each weight vector loaded once for the R
// rows. The tail of `in` (in % 8 values) is added one by one. With kPrefetch, the first rows of
// a block also fetch the weights of the block kPrefetchOutputs ahead: with few rows the pass
// reads each weight once, straight from memory, and waited on those loads.
template <int R, bool kPrefetch = false>
VSR_AVX2 void Block(const float* x, size_t in, const float* w, const float* b, size_t out, size_t o,
                    float* y) {
  __m256 acc[R][4];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < 4; ++c) acc[r][c] = _mm256_setzero_ps();
  }
  const float* wr[4] = {w + o * in, w + (o + 1) * in, w + (o + 2) * in, w + (o + 3) * in};
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
      const __m256 wv = _mm256_loadu_ps(wr[c] + k);
      for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(xv[r], wv, acc[r][c]);
    }
  }
  const __m128 bias = b != nullptr ? _mm_loadu_ps(b + o) : _mm_setzero_ps();
  for (int r = 0; r < R; ++r) {
    __m128 s = _mm_add_ps(Sum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3]), bias);
    if (in8 < in) {
      float tail[4] = {0, 0, 0, 0};
      for (int c = 0; c < 4; ++c) {
        for (size_t k = in8; k < in; ++k) tail[c] += x[r * in + k] * wr[c][k];
      }
      s = _mm_add_ps(s, _mm_loadu_ps(tail));
    }
    _mm_storeu_ps(y + r * out + o, s);
  }
}

// One output for one row (the outputs left over after blocks of four).
VSR_AVX2 float Dot(const float* x, const float* w, size_t in) {
  __m256 acc = _mm256_setzero_ps();
  const size_t in8 = in & ~size_t{7};
  for (size_t k = 0; k < in8; k += 8) {
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + k), _mm256_loadu_ps(w + k), acc);
  }
  float s = Sum1(acc);
  for (size_t k = in8; k < in; ++k) s += x[k] * w[k];
  return s;
}

}  // namespace

bool FewRowsProductAvailable() {
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
}

void FewRowsProduct(const float* x, size_t rows, size_t in, const float* w, const float* b,
                    size_t out, size_t o_begin, size_t o_end, float* y) {
  size_t o = o_begin;
  // Outputs in blocks of four (the weights of a block stay in L1 while every row passes).
  for (; o + 4 <= o_end; o += 4) {
    size_t r = 0;
    if (rows >= 3 && o + 4 + kPrefetchOutputs <= o_end) {  // the weights ahead are this range's
      Block<3, true>(x, in, w, b, out, o, y);
      r = 3;
    }
    for (; r + 3 <= rows; r += 3) Block<3>(x + r * in, in, w, b, out, o, y + r * out);
    if (rows - r == 2) Block<2>(x + r * in, in, w, b, out, o, y + r * out);
    if (rows - r == 1) Block<1>(x + r * in, in, w, b, out, o, y + r * out);
  }
  for (; o < o_end; ++o) {
    for (size_t r = 0; r < rows; ++r) {
      y[r * out + o] = Dot(x + r * in, w + o * in, in) + (b != nullptr ? b[o] : 0.0f);
    }
  }
}

}  // namespace vsr::ml
