// Several routers share one semantic cache through a Milvus collection (backend_type milvus or
// hybrid). As with Redis, lookups never leave the process: each router keeps its in-memory
// index. One background thread inserts what this router stores into the collection, in
// upstream's schema (id, request_id, model, query, request_body, response_body, the vector
// field, timestamp, ttl_seconds, expires_at), and polls the collection for rows other routers
// inserted, which it adds to the local cache. At start it reads the collection's unexpired rows
// (the newest max_entries), so cached answers survive a restart. It deletes expired rows every
// cleanup interval. Milvus being down never fails a request: writes are dropped (counted) and
// the thread retries with backoff.
//
// Column use: `model` holds the cache scope (decision and requested model), `request_id` the
// writing router's tag (so a router skips its own rows), `response_body` the cached answer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/handoff_queue.h"
#include "cache/semantic_cache.h"
#include "milvus/rest.h"

namespace vsr::cache {

struct MilvusReplicationOptions {
  std::string kind = "milvus";  // or hybrid, for the log
  std::string address = "localhost:19530";
  std::string token;  // "user:password" when Milvus has authentication on
  std::chrono::milliseconds timeout{10000};
  std::string collection = "semantic_cache";
  std::string description = "Semantic cache for LLM request-response pairs";
  std::string vector_field = "embedding";
  std::string metric_type = "IP";
  std::string index_type = "HNSW";
  int index_m = 16, index_ef_construction = 64;
  // The vector field's size when this router makes the collection: the embedding model's.
  // Entries without an embedding (exact match only) are stored with a zero vector.
  int64_t dimension = 384;
  bool auto_create = true;     // make the collection when it does not exist
  bool drop_on_start = false;  // development: start from an empty collection
  size_t max_entries = 1000;   // the newest rows read at start
  size_t queue_limit = 1024;   // entries waiting for the thread; beyond this, writes are dropped
  size_t batch = 256;          // rows per insert
  int poll_ms = 500;           // how often other routers' rows are looked for
  int cleanup_seconds = 3600;  // how often expired rows are deleted
};

class MilvusReplication final : public CacheReplication {
 public:
  using Log = std::function<void(const std::string&)>;
  // Starts the thread; `cache` must outlive this (SetReplication makes the cache own it).
  MilvusReplication(SemanticCache* cache, MilvusReplicationOptions options, Log log);
  ~MilvusReplication() override;
  MilvusReplication(const MilvusReplication&) = delete;
  MilvusReplication& operator=(const MilvusReplication&) = delete;

  void Publish(const std::string& scope, const std::string& question,
               const std::vector<float>& embedding, const std::string& answer,
               int ttl_seconds) override;
  std::string name() const override;
  std::string kind() const override { return options_.kind; }

  uint64_t published() const { return published_; }  // rows inserted into Milvus
  uint64_t applied() const { return applied_; }      // other routers' rows stored here
  uint64_t dropped() const { return dropped_; }  // writes lost (queue full, Milvus down, too big)

 private:
  struct Pending {
    std::string scope, question, answer;
    std::vector<float> embedding;
    int ttl_seconds = 0;
    int64_t at = 0;  // Unix seconds
  };
  void Loop();
  // Drops the collection when asked, then makes or loads it; false until that worked.
  bool Prepare(std::string& error);
  bool Insert(std::vector<Pending>& rows, std::string& error);
  // Reads rows this router has not seen (all at the first call, then a window of recent ones).
  bool Poll(std::string& error);
  bool DeleteExpired(std::string& error);
  void Warn(const std::string& what);

  SemanticCache* cache_;
  MilvusReplicationOptions options_;
  Log log_;
  milvus::Rest rest_;
  std::string origin_;  // this router's tag on its own rows
  uint64_t next_id_ = 0;
  std::atomic<uint64_t> published_{0}, applied_{0}, dropped_{0};

  // Thread state.
  bool prepared_ = false, polled_once_ = false, warned_ = false;
  int64_t newest_seen_ = 0;              // the newest row timestamp read (Unix seconds)
  std::map<std::string, int64_t> seen_;  // ids read in the recent window, with timestamps

  HandoffQueue<Pending> queue_;
  std::thread thread_;
};

}  // namespace vsr::cache
