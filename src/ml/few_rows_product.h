// Weight products for few rows (short inputs: a 16-token question is 16 rows). Each output is a
// dot product along `in`, where the input rows and the weight rows (W[out, in], as checkpoints
// store them) are both contiguous, so the weights are read as they are, four rows at a time,
// and a product splits between threads by output columns — with few rows, splitting by rows
// (Linear's way for oneDNN) leaves nothing to split. One thread, it runs at oneDNN's speed or
// up to 1.7x faster (BERT-base's 768x3072 at 16 rows: oneDNN packs the 9 MB matrix per call).
// From 64 rows on (a 128-token prompt), sixteen weight rows at a time are transposed into a
// panel and multiplied as outer products, as GEMM libraries do: ~10% faster there, where the
// packing is paid back over the rows.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vsr::ml {

// Whether this CPU runs the kernel (AVX2 and FMA); checked once.
bool FewRowsProductAvailable();

// y[r, o] = x[r, :] . w[o, :] (+ b[o] when b is not null) for every row r < rows and the
// outputs o in [o_begin, o_end); y rows are `out` floats apart. Needs FewRowsProductAvailable().
void FewRowsProduct(const float* x, size_t rows, size_t in, const float* w, const float* b,
                    size_t out, size_t o_begin, size_t o_end, float* y);

// The same with int8 weights (VLLM_SR_MATMUL=int8): y[r, o] = (x[r, :] . w[o, :]) * scale[o]
// (+ b[o]), the weights widened to float as they are read.
void FewRowsProduct(const float* x, size_t rows, size_t in, const int8_t* w, const float* scale,
                    const float* b, size_t out, size_t o_begin, size_t o_end, float* y);

}  // namespace vsr::ml
