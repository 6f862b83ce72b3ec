// The memory plugin's store, in process: each user's memories (conversation turns the router
// kept) with their embeddings, searched by similarity to a new question. Bounded per user
// (oldest dropped first) and in users; safe to share between threads. With backend valkey
// (memory_redis.h) it mirrors Redis: its hooks write every change through, and Replace takes in
// what other routers changed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace vsr::plugins {

struct Memory {
  std::string id;
  std::string type = "episodic";  // semantic | procedural | episodic
  std::string content;
  std::string user_id;
  std::string source;  // "conversation"
  double importance = 0.5;
  int access_count = 0;
  int64_t created_unix = 0;
  std::vector<float> embedding;
};

struct MemoryHit {
  Memory memory;
  double similarity = 0;
};

class MemoryStore {
 public:
  explicit MemoryStore(size_t max_per_user = 1000, size_t max_users = 100000);
  // Keeps `m` (an id is given when it has none); a user over the cap loses its oldest memory.
  void Store(Memory m);
  // The user's memories at >= `threshold` similarity to `query`, best first, at most `limit`.
  std::vector<MemoryHit> Search(const std::string& user, const std::vector<float>& query,
                                double threshold, size_t limit);
  struct ListResult {
    std::vector<Memory> memories;  // newest first
    size_t total = 0;
  };
  // `types` empty: every type.
  ListResult List(const std::string& user, const std::vector<std::string>& types,
                  size_t limit) const;
  std::optional<Memory> Get(const std::string& id) const;
  bool Forget(const std::string& id);
  size_t ForgetAll(const std::string& user, const std::vector<std::string>& types);
  size_t size() const;

  // Told of every memory kept and every one dropped (forgotten, or a user's oldest over the cap);
  // called under the store's lock, so they must not call back into it.
  struct Hooks {
    std::function<void(const Memory&)> stored;
    std::function<void(const std::string&)> erased;
  };
  void SetHooks(Hooks hooks);
  // Every memory replaced by `all` (a reload from the shared store; hooks not called).
  void Replace(std::vector<Memory> all);

 private:
  // Adds `m` to `by_user` within the caps (a new user past max_users is not kept; a user at
  // max_per_user loses the oldest), telling `hooks` when given.
  void Keep(std::map<std::string, std::vector<Memory>>& by_user, Memory m,
            const Hooks* hooks) const;
  void Erased(const Memory& m);
  size_t max_per_user_, max_users_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Memory>> by_user_;  // oldest first
  uint64_t next_id_ = 0;
  Hooks hooks_;
};

}  // namespace vsr::plugins
