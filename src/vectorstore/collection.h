// One vector store's chunks in memory and their exact nearest-neighbour search. Embeddings are
// kept unit length in one contiguous matrix (a row per chunk), so a search is one streaming
// pass of dot products — bound by memory bandwidth; bench/vector_store_bench measures it.
// Exact search keeps results identical to upstream's in-memory backend, which also scans.
// Not thread-safe: the service guards it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vectorstore/hybrid.h"
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
  // Hybrid search (hybrid.h): every chunk that the vector, BM25 or n-gram retriever finds,
  // ranked by the fused score, which `threshold` applies to; results carry the three scores.
  // The words and n-grams of the chunks are indexed on the first hybrid search after a change
  // (stores never searched this way pay nothing).
  std::vector<SearchResult> HybridSearch(std::vector<float> query, std::string_view query_text,
                                         size_t top_k, double threshold,
                                         const std::vector<std::string>& file_ids,
                                         const HybridOptions& options) const;

 private:
  struct TextIndex;
  struct LazyTextIndex {
    std::mutex mu;
    std::shared_ptr<const TextIndex> index;
  };
  std::shared_ptr<const TextIndex> Text() const;

  std::vector<Chunk> chunks_;                      // without their embeddings (see vectors_)
  std::vector<float> vectors_;                     // row i: chunk i's unit embedding (dim_ floats)
  std::vector<bool> searchable_;                   // false: embedded with another dimension
  std::unordered_map<std::string, size_t> index_;  // chunk id -> row
  size_t dim_ = 0;                                 // the first chunk's dimension
  // Replaced (not cleared) on every change, so a copy of the collection keeps its own.
  std::shared_ptr<LazyTextIndex> text_ = std::make_shared<LazyTextIndex>();
};

// Scales `v` to unit length (a zero vector stays zero).
void Normalize(std::vector<float>& v);

}  // namespace vsr::vectorstore
