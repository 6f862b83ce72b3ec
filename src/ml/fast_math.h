// exp and erf written as straight-line float arithmetic so loops over them vectorize (glibc's
// expf/erff are calls, one value at a time; check with objdump that the AVX2 clones of
// ops.cpp's loops use ymm registers): the softmax of every attention row and the GELU of
// every feed-forward value go through them. Accuracy is well inside what the reference tests
// allow (1e-4 on outputs): exp's relative error stays below 1e-6, erf's absolute error below
// 5e-7.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace vsr::ml {

// e^x for x <= 88 (larger arguments are clamped; below -87 the result is about 1e-38, where the
// library's would be smaller still or 0). Range reduction x = n ln2 + r with |r| <= ln2 / 2,
// then Taylor to r^7 (truncation below 1e-8 relative) and 2^n put into the exponent bits.
inline float FastExp(float x) {
  // Comparisons, not std::fmin/fmax, which GCC leaves as libm calls: a call keeps the loop
  // scalar. (The loops also need -fno-trapping-math to vectorize: see CMakeLists.txt.)
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = (x - n * 0.693145751953125f) - n * 1.42860682030941723e-6f;  // ln 2, hi + lo
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const auto bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  return p * std::bit_cast<float>(bits);
}

// erf(x) by Abramowitz & Stegun's formula 7.1.26 (absolute error 1.5e-7, 5e-7 in float).
inline float FastErf(float x) {
  const float a = std::fabs(x);
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float y = 1.0f - p * t * FastExp(-a * a);
  return std::copysign(y, x);
}

}  // namespace vsr::ml
