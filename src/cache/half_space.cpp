#include "cache/half_space.h"

#include <cstring>

#if defined(__F16C__) && defined(__FMA__) && defined(__AVX2__)
#include <immintrin.h>
#define VSR_HALF_SIMD 1
#endif

namespace vsr::cache {

namespace {

// Round-to-nearest-even float -> half, with overflow to infinity and subnormals flushed.
uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const int32_t exponent = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = x & 0x7fffffu;
  if (exponent <= 0) return static_cast<uint16_t>(sign);  // tiny: zero
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  uint32_t half = sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // may carry into exponent
  return static_cast<uint16_t>(half);
}

}  // namespace

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  uint32_t x;
  if (exponent == 0) {
    x = sign;  // zero (subnormals are never written)
  } else if (exponent == 31) {
    x = sign | 0x7f800000u | (mantissa << 13);
  } else {
    x = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &x, sizeof f);
  return f;
}

void ToHalf(const std::vector<float>& in, std::vector<uint16_t>& out) {
  out.assign(HalfSlots(in.size()), 0);
  for (size_t i = 0; i < in.size(); ++i) out[i] = FloatToHalf(in[i]);
}

float HalfInnerProductDistance(const void* a, const void* b, const void* dim) {
  const auto* x = static_cast<const uint16_t*>(a);
  const auto* y = static_cast<const uint16_t*>(b);
  const size_t n = *static_cast<const size_t*>(dim);
  size_t i = 0;
  float dot = 0;
#ifdef VSR_HALF_SIMD
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  for (; i + 16 <= n; i += 16) {
    const __m128i xa = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i));
    const __m128i ya = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i));
    const __m128i xb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i + 8));
    const __m128i yb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i + 8));
    acc0 = _mm256_fmadd_ps(_mm256_cvtph_ps(xa), _mm256_cvtph_ps(ya), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_cvtph_ps(xb), _mm256_cvtph_ps(yb), acc1);
  }
  const __m256 acc = _mm256_add_ps(acc0, acc1);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (float lane : lanes) dot += lane;
#endif
  for (; i < n; ++i) dot += HalfToFloat(x[i]) * HalfToFloat(y[i]);
  return 1.0f - dot;
}

}  // namespace vsr::cache
