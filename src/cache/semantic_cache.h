// The in-memory semantic cache: answers keyed by (scope, question). A lookup first tries the
// exact question, then — when the caller has an embedding — the nearest cached questions of the
// same scope in an HNSW index (hnswlib; inner product on normalized vectors kept as half
// floats), and serves the
// best one whose similarity reaches the threshold and that passes SameQuestion. Bounded by
// max_entries (evicting fifo, lru or lfu) and per-entry TTL.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
}  // namespace hnswlib

namespace vsr::cache {

// Where stored entries go besides this process: several routers share one cache by publishing
// what each stores (Redis). Publish runs on the storing thread and must not block.
class CacheReplication {
 public:
  virtual ~CacheReplication() = default;
  // ttl_seconds: resolved (the cache's default applied); 0 means the entry never expires.
  virtual void Publish(const std::string& scope, const std::string& question,
                       const std::vector<float>& embedding, const std::string& answer,
                       int ttl_seconds) = 0;
  virtual std::string name() const = 0;  // where entries are shared, for the router's log
  virtual std::string kind() const = 0;  // the configured backend_type: redis, valkey, milvus...
};

struct CacheOptions {
  size_t max_entries = 1000;
  std::string eviction_policy = "fifo";  // fifo | lru | lfu
  int ttl_seconds = 3600;                // default when Store gets none; <= 0: no expiry
  bool verify = true;                    // SameQuestion before serving a similarity hit
};

struct CacheHit {
  std::string answer;
  double similarity = 1;  // 1 for an exact match
  bool exact = false;
};

struct LookupResult {
  std::optional<CacheHit> hit;
  double best_similarity = 0;  // the best candidate seen, served or not
  bool rejected_by_verification = false;
};

class SemanticCache {
 public:
  explicit SemanticCache(CacheOptions options);
  ~SemanticCache();
  SemanticCache(const SemanticCache&) = delete;
  SemanticCache& operator=(const SemanticCache&) = delete;

  // `embedding` may be empty (no embedding model): exact matches only.
  LookupResult Lookup(const std::string& scope, const std::string& question,
                      const std::vector<float>& embedding, double threshold);
  // ttl_seconds < 0: the cache's default. Published to the replication when there is one.
  void Store(const std::string& scope, const std::string& question,
             const std::vector<float>& embedding, std::string answer, int ttl_seconds = -1);
  // Stores an entry another router published (not published again); ttl_seconds 0: no expiry.
  void StoreReplica(const std::string& scope, const std::string& question,
                    const std::vector<float>& embedding, std::string answer, int ttl_seconds);
  // Attaches the replication, which lives (and is stopped) with the cache. Before first use.
  void SetReplication(std::unique_ptr<CacheReplication> replication);
  size_t size() const;
  // "memory", or how the entries are shared with other routers.
  std::string backend() const;
  // The configured backend_type (what metrics label operations with): "memory" when unshared.
  const std::string& backend_type() const { return backend_type_; }
  // Test hook: what "now" is (seconds); defaults to the steady clock.
  void SetClockForTesting(std::function<int64_t()> now);

 private:
  struct Entry {
    bool used = false;
    std::string scope, question, answer;
    int64_t expires = 0;   // 0: never
    uint64_t seq = 0;      // insertion (fifo) or last use (lru, lfu) order
    uint64_t hits = 0;     // lfu
    bool indexed = false;  // has a vector in its scope's index
  };
  struct ScopeIndex;

  int64_t Now() const;
  using Rank = std::tuple<uint64_t, uint64_t, size_t>;  // (hits for lfu else 0, seq, slot)
  Rank RankOf(size_t slot) const;
  void TouchLocked(size_t slot);
  void RemoveLocked(size_t slot);
  size_t FreeSlotLocked(int64_t now);
  ScopeIndex* IndexFor(const std::string& scope, size_t dim, bool create);
  static std::string Key(const std::string& scope, const std::string& question);

  CacheOptions options_;
  std::function<int64_t()> now_;
  mutable std::shared_mutex mu_;
  std::vector<Entry> entries_;  // slots; label in the HNSW index = slot
  std::vector<size_t> free_;
  std::unordered_map<std::string, size_t> exact_;
  std::set<Rank> eviction_;                      // the first one goes first
  std::set<std::pair<int64_t, size_t>> expiry_;  // (expires, slot), entries with a TTL
  std::map<std::string, std::unique_ptr<ScopeIndex>> indexes_;
  uint64_t clock_ = 0;  // insertion/access sequence
  size_t live_ = 0;
  // Last member: destroyed (its threads stopped) before the entries it writes into.
  std::unique_ptr<CacheReplication> replication_;
  std::string backend_type_ = "memory";
};

}  // namespace vsr::cache
