#include "cache/redis_replication.h"

#include <chrono>

#include "common/unix_time.h"

namespace vsr::cache {

namespace {

redis::StreamMirrorOptions MirrorOptions(const RedisReplicationOptions& o) {
  redis::StreamMirrorOptions m;
  m.what = "semantic cache";
  m.kind = o.kind;
  m.endpoint = o.endpoint;
  m.stream_key = o.stream_key;
  m.max_len = o.max_len;
  m.queue_limit = o.queue_limit;
  m.block_ms = o.block_ms;
  return m;
}

}  // namespace

RedisReplication::RedisReplication(SemanticCache* cache, const RedisReplicationOptions& options,
                                   Log log)
    : cache_(cache),
      kind_(options.kind),
      mirror_(
          MirrorOptions(options), [this](const redis::StreamMirror::Entry& e) { Apply(e); },
          std::move(log)) {}

void RedisReplication::Publish(const std::string& scope, const std::string& question,
                               const std::vector<float>& embedding, const std::string& answer,
                               int ttl_seconds) {
  const int64_t expires = ttl_seconds > 0 ? UnixMillis() + int64_t{ttl_seconds} * 1000 : 0;
  mirror_.Publish({{"s", scope},
                   {"q", question},
                   {"a", answer},
                   {"v", redis::FloatBytes(embedding)},
                   {"x", std::to_string(expires)}});
}

void RedisReplication::Apply(const redis::StreamMirror::Entry& fields) {
  const auto field = [&fields](const char* name) {
    return redis::StreamMirror::Field(fields, name);
  };
  const std::string *scope = field("s"), *question = field("q"), *answer = field("a");
  if (!scope || !question || !answer) return;
  int ttl = 0;
  if (const std::string* expires = field("x"); expires != nullptr && *expires != "0") {
    const int64_t left_ms = std::strtoll(expires->c_str(), nullptr, 10) - UnixMillis();
    if (left_ms <= 0) return;  // expired while in the stream
    ttl = static_cast<int>((left_ms + 999) / 1000);
  }
  std::vector<float> embedding;
  if (const std::string* vector = field("v");
      vector != nullptr && vector->size() % sizeof(float) == 0)
    embedding = redis::FloatsOf(*vector);
  cache_->StoreReplica(*scope, *question, embedding, *answer, ttl);
}

}  // namespace vsr::cache
