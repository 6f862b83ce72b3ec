// Several routers share one semantic cache through Redis. Each router keeps its own in-memory
// index (lookups never leave the process) and appends what it stores to one Redis stream —
// question, answer, embedding as float32 bytes, absolute expiry — from a writer thread; a reader
// thread follows the stream (XREAD BLOCK) and adds the other routers' entries to the local
// cache, so a hit stored by one router is served by every router a few milliseconds later.
// A router that starts reads the stream's backlog first. The stream is trimmed to about
// max_entries, which also bounds Redis's memory. Redis being down never fails a request: writes
// are dropped (counted) and both threads reconnect with backoff.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "cache/handoff_queue.h"
#include "cache/semantic_cache.h"
#include "redis/client.h"

namespace vsr::cache {

struct RedisReplicationOptions {
  std::string kind = "redis";  // or valkey, for the log
  redis::Endpoint endpoint;
  std::string stream_key = "semantic_cache_idx:entries";
  size_t max_len = 1000;      // stream trimmed to about this many entries
  size_t queue_limit = 1024;  // entries waiting for the writer; beyond this, writes are dropped
  int block_ms = 200;         // longest XREAD wait (also the stop latency)
};

class RedisReplication final : public CacheReplication {
 public:
  using Log = std::function<void(const std::string&)>;
  // Starts both threads; `cache` must outlive this (SetReplication makes the cache own it).
  RedisReplication(SemanticCache* cache, RedisReplicationOptions options, Log log);
  ~RedisReplication() override;
  RedisReplication(const RedisReplication&) = delete;
  RedisReplication& operator=(const RedisReplication&) = delete;

  void Publish(const std::string& scope, const std::string& question,
               const std::vector<float>& embedding, const std::string& answer,
               int ttl_seconds) override;
  std::string name() const override;
  std::string kind() const override { return options_.kind; }

  uint64_t published() const { return published_; }  // entries written to Redis
  uint64_t applied() const { return applied_; }      // other routers' entries stored here
  uint64_t dropped() const { return dropped_; }      // writes lost (queue full, Redis down)

 private:
  struct Pending {
    std::string scope, question, answer, vector;  // vector: float32 bytes
    int64_t expires_ms = 0;                       // Unix ms; 0: never
  };
  void WriterLoop();
  void ReaderLoop();
  void ApplyEntry(const redis::Reply& fields);
  void Warn(bool& warned, const std::string& what);

  SemanticCache* cache_;
  RedisReplicationOptions options_;
  Log log_;
  std::string origin_;  // this router's tag on its own entries
  std::atomic<uint64_t> published_{0}, applied_{0}, dropped_{0};

  HandoffQueue<Pending> queue_;
  std::thread writer_, reader_;
};

}  // namespace vsr::cache
