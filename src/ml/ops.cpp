#include "ml/ops.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

namespace vsr::ml {

void Linear(const float* x, size_t rows, size_t in, const std::vector<float>& w,
            const std::vector<float>& b, size_t out, float* y) {
  float beta = 0.0f;
  if (!b.empty()) {
    for (size_t r = 0; r < rows; ++r) std::copy(b.begin(), b.end(), y + r * out);
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows),
              static_cast<int>(out), static_cast<int>(in), 1.0f, x, static_cast<int>(in), w.data(),
              static_cast<int>(in), beta, y, static_cast<int>(out));
}

void LayerNorm(float* x, const float* residual, size_t rows, size_t n, const std::vector<float>& g,
               const std::vector<float>& b, float eps) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * n;
    if (residual != nullptr) {
      for (size_t i = 0; i < n; ++i) row[i] += residual[r * n + i];
    }
    double mean = 0;
    for (size_t i = 0; i < n; ++i) mean += row[i];
    mean /= static_cast<double>(n);
    double var = 0;
    for (size_t i = 0; i < n; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= static_cast<double>(n);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (size_t i = 0; i < n; ++i) {
      row[i] = static_cast<float>((row[i] - mean) * inv) * g[i] + (b.empty() ? 0.0f : b[i]);
    }
  }
}

void Activate(float* x, size_t n, Activation a) {
  if (a == Activation::kGeluExact) {
    for (size_t i = 0; i < n; ++i) {
      x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * static_cast<float>(M_SQRT1_2)));
    }
    return;
  }
  if (a == Activation::kTanh) {
    for (size_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
    return;
  }
  const float k = std::sqrt(2.0f / static_cast<float>(M_PI));
  for (size_t i = 0; i < n; ++i) {
    const float z = x[i];
    x[i] = 0.5f * z * (1.0f + std::tanh(k * (z + 0.044715f * z * z * z)));
  }
}

void Softmax(std::vector<float>& logits) {
  if (logits.empty()) return;
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float& z : logits) {
    z = std::exp(z - max);
    sum += z;
  }
  for (float& z : logits) z = static_cast<float>(z / sum);
}

std::vector<float> RotaryFrequencies(size_t d, double theta) {
  std::vector<float> inv(d / 2);
  for (size_t i = 0; i < d / 2; ++i) {
    inv[i] = static_cast<float>(1.0 / std::pow(theta, static_cast<double>(2 * i) / d));
  }
  return inv;
}

void Rotate(float* v, size_t d, size_t position, const std::vector<float>& inv_freq) {
  const size_t half = d / 2;
  for (size_t i = 0; i < half; ++i) {
    // The angle in double: position * frequency reaches thousands of radians on long inputs.
    const double angle = static_cast<double>(position) * inv_freq[i];
    const auto c = static_cast<float>(std::cos(angle));
    const auto s = static_cast<float>(std::sin(angle));
    const float a = v[i], b = v[i + half];
    v[i] = a * c - b * s;
    v[i + half] = b * c + a * s;
  }
}

}  // namespace vsr::ml
