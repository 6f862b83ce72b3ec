#include "vectorstore/collection.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "common/strings.h"
#include "common/utf8.h"

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
  text_ = std::make_shared<LazyTextIndex>();
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
  text_ = std::make_shared<LazyTextIndex>();
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

// Each chunk's words (BM25) and character 3-grams, and the collection's word statistics.
struct Collection::TextIndex {
  static constexpr int kGramSize = 3;  // upstream's default; other sizes are computed per search
  struct Row {
    std::vector<std::pair<uint32_t, uint32_t>> words;  // word id, count; by id
    uint32_t length = 0;                               // words in the chunk
    uint32_t grams = 0;                                // distinct 3-grams
  };
  std::vector<Row> rows;
  std::unordered_map<std::string, uint32_t> word_ids;
  std::vector<uint32_t> doc_freq;  // by word id: chunks that have it
  double average_length = 0;
  // 3-gram -> the rows that have it: a question's few grams visit only the chunks sharing
  // them, instead of every chunk's hundreds of grams.
  std::unordered_map<uint64_t, std::vector<uint32_t>> gram_rows;
};

std::shared_ptr<const Collection::TextIndex> Collection::Text() const {
  std::lock_guard lock(text_->mu);
  if (text_->index) return text_->index;
  auto index = std::make_shared<TextIndex>();
  uint64_t total = 0;
  for (const Chunk& c : chunks_) {
    TextIndex::Row row;
    std::unordered_map<uint32_t, uint32_t> counts;
    for (std::string& w : utf8::LowerWords(c.content)) {
      auto [it, added] = index->word_ids.emplace(std::move(w), index->word_ids.size());
      if (added) index->doc_freq.push_back(0);
      if (counts[it->second]++ == 0) ++index->doc_freq[it->second];
      ++row.length;
    }
    row.words.assign(counts.begin(), counts.end());
    std::sort(row.words.begin(), row.words.end());
    const std::vector<uint64_t> grams = CharGrams(c.content, TextIndex::kGramSize);
    row.grams = static_cast<uint32_t>(grams.size());
    for (uint64_t g : grams) {
      index->gram_rows[g].push_back(static_cast<uint32_t>(index->rows.size()));
    }
    total += row.length;
    index->rows.push_back(std::move(row));
  }
  if (!chunks_.empty()) index->average_length = double(total) / double(chunks_.size());
  text_->index = std::move(index);
  return text_->index;
}

std::vector<SearchResult> Collection::HybridSearch(std::vector<float> query,
                                                   std::string_view query_text, size_t top_k,
                                                   double threshold,
                                                   const std::vector<std::string>& file_ids,
                                                   const HybridOptions& o) const {
  const std::shared_ptr<const TextIndex> text = Text();
  const bool by_vector = dim_ > 0 && query.size() == dim_;  // else another model's embedding
  if (by_vector) Normalize(query);
  // The question's words as ids with their BM25 idf (repeated words count again, as upstream);
  // words no chunk has score nothing.
  std::vector<std::pair<uint32_t, double>> words;
  const double n = static_cast<double>(chunks_.size());
  for (const std::string& w : utf8::LowerWords(query_text)) {
    auto it = text->word_ids.find(w);
    if (it == text->word_ids.end() || text->doc_freq[it->second] == 0) continue;
    const double df = text->doc_freq[it->second];
    words.emplace_back(it->second, std::log((n - df + 0.5) / (df + 0.5) + 1));
  }
  const std::vector<uint64_t> query_grams = CharGrams(query_text, o.ngram_size);
  const bool indexed_grams = o.ngram_size == TextIndex::kGramSize;
  std::vector<uint32_t> shared_grams;  // by row, through the index
  if (indexed_grams) {
    shared_grams.assign(chunks_.size(), 0);
    for (uint64_t g : query_grams) {
      auto it = text->gram_rows.find(g);
      if (it == text->gram_rows.end()) continue;
      for (uint32_t r : it->second) ++shared_grams[r];
    }
  }
  std::vector<HybridScore> candidates;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    if (!file_ids.empty() && !Contains(file_ids, chunks_[i].file_id)) continue;
    const TextIndex::Row& row = text->rows[i];
    HybridScore s;
    s.row = i;
    if (by_vector && searchable_[i]) {
      s.vector = std::max(0.0f, Dot(query.data(), vectors_.data() + i * dim_, dim_));
    }
    for (const auto& [id, idf] : words) {
      auto it = std::lower_bound(row.words.begin(), row.words.end(), std::make_pair(id, 0u));
      if (it == row.words.end() || it->first != id) continue;
      const double tf = it->second;
      s.bm25 += idf * tf * (o.bm25_k1 + 1) /
                (tf + o.bm25_k1 * (1 - o.bm25_b + o.bm25_b * row.length / text->average_length));
    }
    s.bm25 = std::max(0.0, s.bm25);
    if (indexed_grams) {
      const double shared = shared_grams[i];
      const double all = static_cast<double>(query_grams.size() + row.grams) - shared;
      s.ngram = all > 0 ? shared / all : 0;
    } else {
      s.ngram = Jaccard(query_grams, CharGrams(chunks_[i].content, o.ngram_size));
    }
    if (s.vector > 0 || s.bm25 > 0 || s.ngram > 0) candidates.push_back(s);
  }
  FuseScores(candidates, o);
  std::vector<SearchResult> out;
  for (const HybridScore& s : candidates) {
    if (s.final < threshold) continue;
    if (top_k > 0 && out.size() >= top_k) break;
    const Chunk& c = chunks_[s.row];
    SearchResult r{c.file_id, c.filename, c.content, s.final, c.chunk_index};
    r.vector_score = s.vector;
    r.bm25_score = s.bm25;
    r.ngram_score = s.ngram;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace vsr::vectorstore
