// Several routers share one semantic cache through Redis (backend_type redis or valkey). Each
// router keeps its own in-memory index (lookups never leave the process) and appends every
// entry it stores — question, answer, embedding as float32 bytes, absolute expiry — to one
// Redis stream (redis::StreamMirror), whose reader adds the other routers' entries to the local
// cache, so a hit stored by one router is served by every router a few milliseconds later. The
// stream is trimmed to about max_entries.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "cache/semantic_cache.h"
#include "redis/stream_mirror.h"

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
  // Starts the stream's threads; `cache` must outlive this (SetReplication makes the cache own
  // it).
  RedisReplication(SemanticCache* cache, const RedisReplicationOptions& options, Log log);

  void Publish(const std::string& scope, const std::string& question,
               const std::vector<float>& embedding, const std::string& answer,
               int ttl_seconds) override;
  std::string name() const override { return mirror_.name(); }
  std::string kind() const override { return kind_; }

  uint64_t published() const { return mirror_.published(); }  // entries written to Redis
  uint64_t applied() const { return mirror_.applied(); }      // other routers' entries stored
  uint64_t dropped() const { return mirror_.dropped(); }  // writes lost (queue full, Redis down)

 private:
  void Apply(const redis::StreamMirror::Entry& fields);

  SemanticCache* cache_;
  std::string kind_;
  redis::StreamMirror mirror_;  // last: its threads call Apply
};

}  // namespace vsr::cache
