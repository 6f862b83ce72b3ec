// The numeric kernels the encoders and heads share, on row-major float32 matrices. Weight
// products go to oneDNN (or our few-rows kernel), attention products to oneDNN's sgemm; the
// rest are plain loops the compiler vectorizes. Linear, LayerNorm and ForEachHead split their work
// with ParallelFor (ml/parallel.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
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

enum class Activation { kGeluExact, kGeluTanh, kTanh, kRelu };
void Activate(float* x, size_t n, Activation a);

// Keys [begin, end) of an attention row.
struct KeyRange {
  size_t begin, end;
};
// In-place softmax of an attention row over the keys in `visible` (sorted, disjoint ranges
// within [0, n)); the others get 0, and a row with no visible key is all 0. Ranges, not a
// per-key mask, so each pass (max, exponentials and their sum, scale) is a plain loop that
// runs 8 or 16 wide; padding and windows are ranges anyway.
void MaskedSoftmax(float* row, size_t n, std::span<const KeyRange> visible);
// The ranges of non-zero bytes of key_mask[0, n).
std::vector<KeyRange> VisibleRanges(const uint8_t* key_mask, size_t n);

// Scaled dot-product attention for one sequence and one head: query/key/value rows `ld` floats
// apart (H for separate projections, 3H for a fused one), context rows `ld_ctx` apart.
// Query i sees key j when key_mask[j] is non-zero (padding) and, with `band` > 0, |i - j| <=
// band (ModernBERT's local layers). Then queries go in blocks of 64 and each block's scores
// cover just the keys its window can reach — the same result as the full product with those
// keys masked, at a fraction of the work on long inputs. `scores` is S * S scratch.
void AttendHead(const float* q, const float* k, const float* v, size_t ld, size_t S, size_t d,
                float scale, float* scores, float* ctx, size_t ld_ctx, size_t band,
                const uint8_t* key_mask);

// attend(b, head, scores) for every sequence b < B and head < NH, split between threads
// (ParallelFor); `scores` is the running thread's S * S scratch for AttendHead.
void ForEachHead(size_t B, size_t NH, size_t S,
                 const std::function<void(size_t b, size_t head, float* scores)>& attend);

// In-place softmax of one row of logits.
void Softmax(std::vector<float>& logits);

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

}  // namespace vsr::ml
