// The numeric kernels the encoders and heads share, on row-major float32 matrices. Weight
// products go to oneDNN, attention products to OpenBLAS; the rest are plain loops the compiler
// vectorizes. Linear, LayerNorm and ForEachHead split their work with ParallelFor
// (ml/parallel.h).
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

#include "ml/weight.h"

namespace vsr::ml {

// y[rows, out] = x[rows, in] * W[out, in]^T (+ b when `b` is not empty); in bfloat16 when the
// weight has its bf16 copy and bf16 products are on (see weight.h).
void Linear(const float* x, size_t rows, size_t in, const Weight& w, const std::vector<float>& b,
            size_t out, float* y);

// Off: Linear never uses the few-rows kernel (ml/few_rows_product.h), as on a CPU without AVX2,
// so that tests run the other paths here too. On by default.
void SetFewRowsKernelForTests(bool allowed);

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
// visible(i, j) says whether query i may see key j (padding, a local window). With `band` > 0
// a query only ever sees keys within `band` positions (ModernBERT's local layers): queries go
// in blocks of 64 and each block's scores cover just the keys its window can reach — the same
// result as the full product with those keys masked, at a fraction of the work on long
// inputs. `scores` is S * S scratch.
template <typename Visible>
void AttendHead(const float* q, const float* k, const float* v, size_t ld, size_t S, size_t d,
                float scale, float* scores, float* ctx, size_t ld_ctx, size_t band,
                Visible visible);

// attend(b, head, scores) for every sequence b < B and head < NH, split between threads
// (ParallelFor); `scores` is the running thread's S * S scratch for AttendHead.
void ForEachHead(size_t B, size_t NH, size_t S,
                 const std::function<void(size_t b, size_t head, float* scores)>& attend);

// In-place softmax of one row of logits.
void Softmax(std::vector<float>& logits);

// row[j] = e^(row[j] - shift) for all j (ml::FastExp, vectorized; hidden keys of a masked
// softmax may hold anything finite and are overwritten afterwards).
void ExpShifted(float* row, size_t n, float shift);
// The sum of n floats, added in eight lanes (vectorized; a softmax row's ~1e-7 relative
// rounding, where one double-precision running sum was a chain of dependent adds: 7% of a
// 512-token BERT pass).
float SumOf(const float* x, size_t n);

// Rotary position embedding (the rotate-half convention Hugging Face models use): pairs
// (i, i + d/2) of a head's vector rotate by position * theta^(-2i/d). `inv_freq` holds
// theta^(-2i/d) for i < d/2; a table holds the cosines and sines of every position of a
// batch, computed once per forward pass instead of once per head and layer.
std::vector<float> RotaryFrequencies(size_t d, double theta);
struct RotaryTable {
  RotaryTable(size_t positions, const std::vector<float>& inv_freq);
  size_t half;
  std::vector<float> cos, sin;  // [position][i]
};
void Rotate(float* v, const RotaryTable& table, size_t position);

template <typename Visible>
void MaskedSoftmax(float* row, size_t n, Visible visible) {
  float max = -std::numeric_limits<float>::infinity();
  for (size_t j = 0; j < n; ++j) {
    if (visible(j)) max = std::max(max, row[j]);
  }
  ExpShifted(row, n, max);  // every key (vectorized), then the hidden ones zeroed
  for (size_t j = 0; j < n; ++j) {
    row[j] = visible(j) ? row[j] : 0.0f;  // a select, which vectorizes; a branch did not
  }
  const float sum = SumOf(row, n);  // in lanes: one double-precision running sum was 8x slower
  const float inv = sum > 0 ? 1.0f / sum : 0.0f;
  for (size_t j = 0; j < n; ++j) row[j] *= inv;
}

template <typename Visible>
void AttendHead(const float* q, const float* k, const float* v, size_t ld, size_t S, size_t d,
                float scale, float* scores, float* ctx, size_t ld_ctx, size_t band,
                Visible visible) {
  const size_t block = band == 0 ? S : std::min<size_t>(S, 64);
  for (size_t i0 = 0; i0 < S; i0 += block) {
    const size_t i1 = std::min(S, i0 + block);
    const size_t j0 = band == 0 || i0 < band ? 0 : i0 - band;
    const size_t j1 = band == 0 ? S : std::min(S, i1 + band);
    const auto rows = static_cast<int>(i1 - i0), keys = static_cast<int>(j1 - j0);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, keys, static_cast<int>(d), scale,
                q + i0 * ld, static_cast<int>(ld), k + j0 * ld, static_cast<int>(ld), 0.0f, scores,
                keys);
    for (size_t i = i0; i < i1; ++i) {
      MaskedSoftmax(scores + (i - i0) * static_cast<size_t>(keys), static_cast<size_t>(keys),
                    [&](size_t j) { return visible(i, j0 + j); });
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, static_cast<int>(d), keys, 1.0f,
                scores, keys, v + j0 * ld, static_cast<int>(ld), 0.0f, ctx + i0 * ld_ctx,
                static_cast<int>(ld_ctx));
  }
}

}  // namespace vsr::ml
