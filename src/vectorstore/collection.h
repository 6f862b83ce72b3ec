// One vector store's chunks in memory and their exact nearest-neighbour search: embeddings are
// kept unit length, so cosine similarity is one dot product per chunk (a 384-d store of 10,000
// chunks is searched in about a millisecond on one core; bench/vector_store_bench measures it).
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
  const std::vector<Chunk>& chunks() const { return chunks_; }
  // Adds `chunk` (its embedding normalized here) or replaces the chunk with its id.
  void Put(Chunk chunk);
  // Removes the chunks of `file_id`; returns their ids.
  std::vector<std::string> EraseFile(const std::string& file_id);
  // The `top_k` chunks most similar to `query` (any length; normalized here) with a score of at
  // least `threshold`, best first; only chunks of `file_ids` when it is not empty.
  std::vector<SearchResult> Search(std::vector<float> query, size_t top_k, double threshold,
                                   const std::vector<std::string>& file_ids) const;

 private:
  std::vector<Chunk> chunks_;
  std::unordered_map<std::string, size_t> index_;  // chunk id -> position in chunks_
};

// Scales `v` to unit length (a zero vector stays zero).
void Normalize(std::vector<float>& v);

}  // namespace vsr::vectorstore
