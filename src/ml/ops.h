// The numeric kernels the encoders and heads share, on row-major float32 matrices. Matrix
// products go to OpenBLAS; the rest are plain loops the compiler vectorizes.
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace vsr::ml {

// y[rows, out] = x[rows, in] * W[out, in]^T (+ b when `b` is not empty)
void Linear(const float* x, size_t rows, size_t in, const std::vector<float>& w,
            const std::vector<float>& b, size_t out, float* y);

// x = LayerNorm(x + residual) row by row: residual may be null, bias may be empty (ModernBERT's
// norms have none).
void LayerNorm(float* x, const float* residual, size_t rows, size_t n, const std::vector<float>& g,
               const std::vector<float>& b, float eps);

enum class Activation { kGeluExact, kGeluTanh, kTanh };
void Activate(float* x, size_t n, Activation a);

// In-place softmax of an attention row over the keys `visible(j)` admits; hidden keys get 0.
template <typename Visible>
void MaskedSoftmax(float* row, size_t n, Visible visible);

// Scaled dot-product attention for one sequence and one head: query/key/value rows `ld` floats
// apart (H for separate projections, 3H for a fused one), context rows `ld_ctx` apart.
// visible(i, j) says whether query i may see key j (padding, a local window). `scores` is
// S * S scratch.
template <typename Visible>
void AttendHead(const float* q, const float* k, const float* v, size_t ld, size_t S, size_t d,
                float scale, float* scores, float* ctx, size_t ld_ctx, Visible visible);

// In-place softmax of one row of logits.
void Softmax(std::vector<float>& logits);

// Rotary position embedding (the rotate-half convention Hugging Face models use) of one head's
// vector at `position`: pairs (i, i + d/2) rotate by position * theta^(-2i/d). `inv_freq` holds
// theta^(-2i/d) for i < d/2.
void Rotate(float* v, size_t d, size_t position, const std::vector<float>& inv_freq);
std::vector<float> RotaryFrequencies(size_t d, double theta);

template <typename Visible>
void MaskedSoftmax(float* row, size_t n, Visible visible) {
  float max = -std::numeric_limits<float>::infinity();
  for (size_t j = 0; j < n; ++j) {
    if (visible(j)) max = std::max(max, row[j]);
  }
  double sum = 0;
  for (size_t j = 0; j < n; ++j) {
    row[j] = visible(j) ? std::exp(row[j] - max) : 0.0f;
    sum += row[j];
  }
  const auto inv = static_cast<float>(sum > 0 ? 1.0 / sum : 0.0);
  for (size_t j = 0; j < n; ++j) row[j] *= inv;
}

template <typename Visible>
void AttendHead(const float* q, const float* k, const float* v, size_t ld, size_t S, size_t d,
                float scale, float* scores, float* ctx, size_t ld_ctx, Visible visible) {
  const auto n = static_cast<int>(S);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, static_cast<int>(d), scale, q,
              static_cast<int>(ld), k, static_cast<int>(ld), 0.0f, scores, n);
  for (size_t i = 0; i < S; ++i) {
    MaskedSoftmax(scores + i * S, S, [&](size_t j) { return visible(i, j); });
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, static_cast<int>(d), n, 1.0f, scores, n,
              v, static_cast<int>(ld), 0.0f, ctx, static_cast<int>(ld_ctx));
}

}  // namespace vsr::ml
