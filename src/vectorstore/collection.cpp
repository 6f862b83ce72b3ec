#include "vectorstore/collection.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace vsr::vectorstore {

void Normalize(std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (sum <= 0) return;
  const float scale = static_cast<float>(1.0 / std::sqrt(sum));
  for (float& x : v) x *= scale;
}

void Collection::Put(Chunk chunk) {
  Normalize(chunk.embedding);
  auto it = index_.find(chunk.id);
  if (it != index_.end()) {
    chunks_[it->second] = std::move(chunk);
    return;
  }
  index_.emplace(chunk.id, chunks_.size());
  chunks_.push_back(std::move(chunk));
}

std::vector<std::string> Collection::EraseFile(const std::string& file_id) {
  std::vector<std::string> erased;
  std::vector<Chunk> kept;
  kept.reserve(chunks_.size());
  for (Chunk& c : chunks_) {
    if (c.file_id == file_id) {
      erased.push_back(c.id);
    } else {
      kept.push_back(std::move(c));
    }
  }
  chunks_ = std::move(kept);
  index_.clear();
  for (size_t i = 0; i < chunks_.size(); ++i) index_.emplace(chunks_[i].id, i);
  return erased;
}

std::vector<SearchResult> Collection::Search(std::vector<float> query, size_t top_k,
                                             double threshold,
                                             const std::vector<std::string>& file_ids) const {
  Normalize(query);
  std::vector<std::pair<float, size_t>> scored;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const Chunk& c = chunks_[i];
    if (c.embedding.size() != query.size()) continue;  // embedded by another model
    if (!file_ids.empty() && !Contains(file_ids, c.file_id)) continue;
    float dot = 0;
    for (size_t d = 0; d < query.size(); ++d) dot += query[d] * c.embedding[d];
    if (dot >= threshold) scored.emplace_back(dot, i);
  }
  const size_t n = top_k == 0 ? scored.size() : std::min(top_k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<SearchResult> out;
  for (size_t k = 0; k < n; ++k) {
    const Chunk& c = chunks_[scored[k].second];
    out.push_back({c.file_id, c.filename, c.content, scored[k].first, c.chunk_index});
  }
  return out;
}

}  // namespace vsr::vectorstore
