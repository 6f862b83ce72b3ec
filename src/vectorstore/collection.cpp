#include "vectorstore/collection.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace vsr::vectorstore {

namespace {

// Eight independent partial sums: the compiler turns them into SIMD lanes without reassociating
// one dependent chain (which it may not do without -ffast-math).
float Dot(const float* a, const float* b, size_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  }
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace

void Normalize(std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (sum <= 0) return;
  const float scale = static_cast<float>(1.0 / std::sqrt(sum));
  for (float& x : v) x *= scale;
}

void Collection::Put(Chunk chunk) {
  std::vector<float> v = std::move(chunk.embedding);
  chunk.embedding.clear();
  if (dim_ == 0 && !v.empty()) {  // the first embedding sets the dimension
    dim_ = v.size();
    vectors_.assign(chunks_.size() * dim_, 0.0f);
  }
  const bool searchable = dim_ > 0 && v.size() == dim_;
  if (searchable) {
    Normalize(v);
  } else {
    v.assign(dim_, 0.0f);
  }
  size_t row = chunks_.size();
  if (auto it = index_.find(chunk.id); it != index_.end()) {
    row = it->second;
    chunks_[row] = std::move(chunk);
    searchable_[row] = searchable;
  } else {
    index_.emplace(chunk.id, row);
    chunks_.push_back(std::move(chunk));
    searchable_.push_back(searchable);
    vectors_.resize(vectors_.size() + dim_);
  }
  std::copy(v.begin(), v.end(), vectors_.begin() + static_cast<std::ptrdiff_t>(row * dim_));
}

std::vector<std::string> Collection::EraseFile(const std::string& file_id) {
  std::vector<std::string> erased;
  size_t kept = 0;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    if (chunks_[i].file_id == file_id) {
      erased.push_back(chunks_[i].id);
      continue;
    }
    if (kept != i) {
      chunks_[kept] = std::move(chunks_[i]);
      searchable_[kept] = searchable_[i];
      std::copy_n(vectors_.begin() + static_cast<std::ptrdiff_t>(i * dim_), dim_,
                  vectors_.begin() + static_cast<std::ptrdiff_t>(kept * dim_));
    }
    ++kept;
  }
  chunks_.resize(kept);
  searchable_.resize(kept);
  vectors_.resize(kept * dim_);
  index_.clear();
  for (size_t i = 0; i < chunks_.size(); ++i) index_.emplace(chunks_[i].id, i);
  return erased;
}

std::vector<SearchResult> Collection::Search(std::vector<float> query, size_t top_k,
                                             double threshold,
                                             const std::vector<std::string>& file_ids) const {
  if (query.size() != dim_ || dim_ == 0) return {};  // another model's embedding
  Normalize(query);
  std::vector<std::pair<float, size_t>> scored;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    if (!searchable_[i]) continue;
    if (!file_ids.empty() && !Contains(file_ids, chunks_[i].file_id)) continue;
    const float dot = Dot(query.data(), vectors_.data() + i * dim_, dim_);
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
