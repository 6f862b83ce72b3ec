// One vector store's chunks in memory and their exact nearest-neighbour search. Embeddings are
// kept unit length in one contiguous matrix (a row per chunk), so a search is one streaming
// pass of dot products — bound by memory bandwidth; bench/vector_store_bench measures it.
// Exact search keeps results identical to upstream's in-memory backend, which also scans.
// Not thread-safe: the service guards it.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "vectorstore/types.h"

namespace vsr::vectorstore {

class Collection {
 public:
  size_t size() const { return chunks_.size(); }
  size_t dimension() const { return dim_; }
  // Adds `chunk` or replaces the chunk with its id. Its embedding moves into the matrix
  // (normalized); one of another dimension than the first chunk's (another embedding model) is
  // kept but never found.
  void Put(Chunk chunk);
  // Removes the chunks of `file_id`; returns their ids.
  std::vector<std::string> EraseFile(const std::string& file_id);
  // The `top_k` chunks most similar to `query` (normalized here) with a score of at least
  // `threshold`, best first; only chunks of `file_ids` when it is not empty.
  std::vector<SearchResult> Search(std::vector<float> query, size_t top_k, double threshold,
                                   const std::vector<std::string>& file_ids) const;

 private:
  std::vector<Chunk> chunks_;                      // without their embeddings (see vectors_)
  std::vector<float> vectors_;                     // row i: chunk i's unit embedding (dim_ floats)
  std::vector<bool> searchable_;                   // false: embedded with another dimension
  std::unordered_map<std::string, size_t> index_;  // chunk id -> row
  size_t dim_ = 0;                                 // the first chunk's dimension
};

// Scales `v` to unit length (a zero vector stays zero).
void Normalize(std::vector<float>& v);

}  // namespace vsr::vectorstore
