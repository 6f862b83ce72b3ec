#include "cache/semantic_cache.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

#include "cache/half_space.h"
#include "cache/verify.h"

namespace vsr::cache {

namespace {

constexpr size_t kHnswM = 16;
constexpr size_t kHnswEfConstruction = 100;
// Search breadth: 16 keeps lookups at p99 ~0.4 ms with 100k 768-d entries and finds the
// paraphrase every time on embedding-like vectors (94% on isotropic random ones, the worst
// case); 24 cost 1.2-1.5 ms p99 for no recall gain there (bench/cache_bench.cpp).
constexpr size_t kHnswEfSearch = 16;
constexpr size_t kCandidates = 4;  // nearest questions checked per lookup
constexpr size_t kInitialCapacity = 1024;

std::vector<float> Normalized(const std::vector<float>& v) {
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  std::vector<float> out(v);
  if (norm > 0) {
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& x : out) x *= inv;
  }
  return out;
}

// Vectors kept as half floats (see half_space.h).
class HalfInnerProductSpace final : public hnswlib::SpaceInterface<float> {
 public:
  explicit HalfInnerProductSpace(size_t dim) : dim_(dim) {}
  size_t get_data_size() override { return HalfSlots(dim_) * sizeof(uint16_t); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &HalfInnerProductDistance; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
};

}  // namespace

struct SemanticCache::ScopeIndex {
  size_t dim = 0;
  size_t capacity = 0;
  std::unique_ptr<HalfInnerProductSpace> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;
};

SemanticCache::SemanticCache(CacheOptions options) : options_(std::move(options)) {
  if (options_.max_entries == 0) options_.max_entries = 1;
}

SemanticCache::~SemanticCache() = default;

void SemanticCache::SetClockForTesting(std::function<int64_t()> now) {
  now_ = std::move(now);
}

int64_t SemanticCache::Now() const {
  if (now_) return now_();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string SemanticCache::Key(const std::string& scope, const std::string& question) {
  return scope + '\x1f' + question;
}

SemanticCache::Rank SemanticCache::RankOf(size_t slot) const {
  const Entry& e = entries_[slot];
  return {options_.eviction_policy == "lfu" ? e.hits : 0, e.seq, slot};
}

void SemanticCache::TouchLocked(size_t slot) {
  if (options_.eviction_policy == "fifo") return;
  eviction_.erase(RankOf(slot));
  Entry& e = entries_[slot];
  e.seq = ++clock_;
  ++e.hits;
  eviction_.insert(RankOf(slot));
}

void SemanticCache::RemoveLocked(size_t slot) {
  Entry& e = entries_[slot];
  if (!e.used) return;
  eviction_.erase(RankOf(slot));
  if (e.expires != 0) expiry_.erase({e.expires, slot});
  exact_.erase(Key(e.scope, e.question));
  if (e.indexed) {
    auto it = indexes_.find(e.scope);
    if (it != indexes_.end()) it->second->index->markDelete(slot);
  }
  e = Entry{};
  free_.push_back(slot);
  --live_;
}

size_t SemanticCache::FreeSlotLocked(int64_t now) {
  while (!expiry_.empty() && expiry_.begin()->first <= now) RemoveLocked(expiry_.begin()->second);
  if (free_.empty() && entries_.size() < options_.max_entries) {
    entries_.emplace_back();
    return entries_.size() - 1;
  }
  if (free_.empty()) RemoveLocked(std::get<2>(*eviction_.begin()));
  const size_t slot = free_.back();
  free_.pop_back();
  return slot;
}

SemanticCache::ScopeIndex* SemanticCache::IndexFor(const std::string& scope, size_t dim,
                                                   bool create) {
  auto it = indexes_.find(scope);
  if (it != indexes_.end()) return it->second->dim == dim ? it->second.get() : nullptr;
  if (!create) return nullptr;
  auto idx = std::make_unique<ScopeIndex>();
  idx->dim = dim;
  idx->capacity = std::min(kInitialCapacity, options_.max_entries);
  idx->space = std::make_unique<HalfInnerProductSpace>(dim);
  idx->index = std::make_unique<hnswlib::HierarchicalNSW<float>>(idx->space.get(), idx->capacity,
                                                                 kHnswM, kHnswEfConstruction);
  idx->index->setEf(kHnswEfSearch);
  ScopeIndex* raw = idx.get();
  indexes_.emplace(scope, std::move(idx));
  return raw;
}

LookupResult SemanticCache::Lookup(const std::string& scope, const std::string& question,
                                   const std::vector<float>& embedding, double threshold) {
  LookupResult result;
  const int64_t now = Now();
  std::optional<size_t> served;
  {
    std::shared_lock lock(mu_);
    const auto live = [&](size_t slot) {
      const Entry& e = entries_[slot];
      return e.used && (e.expires == 0 || e.expires > now);
    };
    if (auto it = exact_.find(Key(scope, question)); it != exact_.end() && live(it->second)) {
      result.hit = CacheHit{entries_[it->second].answer, 1.0, true};
      result.best_similarity = 1.0;
      served = it->second;
    } else if (!embedding.empty()) {
      auto idx_it = indexes_.find(scope);
      if (idx_it != indexes_.end() && idx_it->second->dim == embedding.size()) {
        auto& index = *idx_it->second->index;
        const size_t count = index.cur_element_count;
        if (count > 0) {
          std::vector<uint16_t> q;
          ToHalf(Normalized(embedding), q);
          auto found = index.searchKnn(q.data(), std::min(kCandidates, count));
          std::vector<std::pair<double, size_t>> candidates;  // best first
          while (!found.empty()) {
            // Half-float rounding can put identical vectors a hair above 1: a cosine is <= 1.
            candidates.emplace_back(std::min(1.0, 1.0 - found.top().first), found.top().second);
            found.pop();
          }
          std::sort(candidates.begin(), candidates.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
          for (const auto& [similarity, slot] : candidates) {
            if (!live(slot) || entries_[slot].scope != scope) continue;
            result.best_similarity = std::max(result.best_similarity, similarity);
            if (similarity < threshold) break;
            if (options_.verify && !SameQuestion(entries_[slot].question, question)) {
              result.rejected_by_verification = true;
              continue;
            }
            result.hit = CacheHit{entries_[slot].answer, similarity, false};
            served = slot;
            break;
          }
        }
      }
    }
  }
  if (served && options_.eviction_policy != "fifo") {
    std::unique_lock lock(mu_);
    if (entries_[*served].used) TouchLocked(*served);
  }
  return result;
}

void SemanticCache::SetReplication(std::unique_ptr<CacheReplication> replication) {
  replication_ = std::move(replication);
  backend_type_ = replication_ ? replication_->kind() : "memory";
}

void SemanticCache::Store(const std::string& scope, const std::string& question,
                          const std::vector<float>& embedding, std::string answer,
                          int ttl_seconds) {
  const int ttl = std::max(0, ttl_seconds >= 0 ? ttl_seconds : options_.ttl_seconds);
  if (replication_) replication_->Publish(scope, question, embedding, answer, ttl);
  StoreReplica(scope, question, embedding, std::move(answer), ttl);
}

void SemanticCache::StoreReplica(const std::string& scope, const std::string& question,
                                 const std::vector<float>& embedding, std::string answer, int ttl) {
  const int64_t now = Now();
  std::unique_lock lock(mu_);
  const std::string key = Key(scope, question);
  size_t slot;
  if (auto it = exact_.find(key); it != exact_.end()) {
    slot = it->second;  // a newer answer to the same question replaces the old one
    RemoveLocked(slot);
    free_.pop_back();  // RemoveLocked freed exactly this slot
  } else {
    slot = FreeSlotLocked(now);
  }
  Entry& e = entries_[slot];
  e.used = true;
  e.scope = scope;
  e.question = question;
  e.answer = std::move(answer);
  e.expires = ttl > 0 ? now + ttl : 0;
  e.seq = ++clock_;
  e.hits = 0;
  exact_[key] = slot;
  eviction_.insert(RankOf(slot));
  if (e.expires != 0) expiry_.insert({e.expires, slot});
  ++live_;
  if (embedding.empty()) return;
  ScopeIndex* idx = IndexFor(scope, embedding.size(), true);
  if (idx == nullptr) return;  // another dimension than this scope's vectors: exact only
  auto& index = *idx->index;
  if (index.cur_element_count >= idx->capacity && index.label_lookup_.count(slot) == 0) {
    idx->capacity = std::min(idx->capacity * 2, std::max(options_.max_entries, idx->capacity + 1));
    index.resizeIndex(idx->capacity);
  }
  std::vector<uint16_t> v;
  ToHalf(Normalized(embedding), v);
  index.addPoint(v.data(), slot);  // a reused slot's old point is updated and undeleted
  e.indexed = true;
}

std::string SemanticCache::backend() const {
  return replication_ ? "memory, shared through " + replication_->name() : "memory";
}

size_t SemanticCache::size() const {
  std::shared_lock lock(mu_);
  return live_;
}

}  // namespace vsr::cache
