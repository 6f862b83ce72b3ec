// Vectors stored as IEEE half floats for the HNSW index. A cache lookup is bound by memory
// traffic, not arithmetic (each 768-d float vector is 3 KB, and a search touches hundreds), so
// halving the bytes per vector nearly halves lookup time and memory, at a cosine error far
// below any useful similarity threshold (~1e-3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vsr::cache {

// `in` (floats) -> `out` (halves), zero-padded to HalfSlots(in.size()).
void ToHalf(const std::vector<float>& in, std::vector<uint16_t>& out);
// Halves stored per vector: a multiple of 4, so that the index's per-element records (links,
// vector, label) stay 8-byte aligned whatever the dimension.
inline size_t HalfSlots(size_t dim) {
  return (dim + 3) / 4 * 4;
}
float HalfToFloat(uint16_t h);

// 1 - dot(a, b) of two half-float vectors of *dim (a size_t) values: hnswlib's inner-product
// distance, in the signature of its distance functions. (The hnswlib space around it lives in
// semantic_cache.cpp: hnswlib.h may be included by one translation unit only.)
float HalfInnerProductDistance(const void* a, const void* b, const void* dim);

}  // namespace vsr::cache
