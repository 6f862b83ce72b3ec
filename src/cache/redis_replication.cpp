#include "cache/redis_replication.h"

#include <chrono>
#include <cstring>

#include "cache/replica_tag.h"

namespace vsr::cache {

namespace {

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RedisReplication::RedisReplication(SemanticCache* cache, RedisReplicationOptions options, Log log)
    : cache_(cache),
      options_(std::move(options)),
      log_(std::move(log)),
      origin_(ReplicaTag()),
      queue_(options_.queue_limit) {
  writer_ = std::thread([this] { WriterLoop(); });
  reader_ = std::thread([this] { ReaderLoop(); });
}

RedisReplication::~RedisReplication() {
  queue_.Stop();
  writer_.join();
  reader_.join();
}

void RedisReplication::Publish(const std::string& scope, const std::string& question,
                               const std::vector<float>& embedding, const std::string& answer,
                               int ttl_seconds) {
  if (!queue_.Push({scope, question, answer, redis::FloatBytes(embedding),
                    ttl_seconds > 0 ? UnixMs() + int64_t{ttl_seconds} * 1000 : 0})) {
    ++dropped_;
  }
}

std::string RedisReplication::name() const {
  return options_.kind + " at " + options_.endpoint.host + ":" +
         std::to_string(options_.endpoint.port) + " (stream " + options_.stream_key + ")";
}

void RedisReplication::Warn(bool& warned, const std::string& what) {
  if (!warned && log_) log_("semantic cache: " + what + " (retrying)");
  warned = true;
}

void RedisReplication::WriterLoop() {
  std::unique_ptr<redis::Client> client;
  bool warned = false;
  const std::string max_len = std::to_string(options_.max_len);
  for (;;) {
    std::vector<Pending> next = queue_.Pop(1, HandoffQueue<Pending>::Clock::time_point::max());
    if (next.empty()) return;  // stopped with nothing left to write
    Pending& p = next.front();
    std::string error;
    if (!client) client = redis::Client::Connect(options_.endpoint, error);
    std::optional<redis::Reply> reply;
    if (client) {
      const std::string expires = std::to_string(p.expires_ms);
      reply = client->Command(
          {"XADD", options_.stream_key, "MAXLEN", "~", max_len, "*", "o", origin_, "s", p.scope,
           "q", p.question, "a", p.answer, "v", p.vector, "x", expires},
          error);
      if (reply && reply->is_error()) error = "redis XADD: " + reply->str;
    }
    if (reply && !reply->is_error()) {
      ++published_;
      if (warned && log_) log_("semantic cache: redis " + client->name() + " is writable again");
      warned = false;
      continue;
    }
    ++dropped_;
    Warn(warned, error);
    if (!queue_.Sleep(std::chrono::milliseconds(500))) return;
  }
}

void RedisReplication::ApplyEntry(const redis::Reply& fields) {
  const std::string *origin = nullptr, *scope = nullptr, *question = nullptr, *answer = nullptr,
                    *vector = nullptr, *expires = nullptr;
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& name = fields.elements[i].str;
    const std::string* value = &fields.elements[i + 1].str;
    if (name == "o")
      origin = value;
    else if (name == "s")
      scope = value;
    else if (name == "q")
      question = value;
    else if (name == "a")
      answer = value;
    else if (name == "v")
      vector = value;
    else if (name == "x")
      expires = value;
  }
  if (!origin || !scope || !question || !answer || *origin == origin_) return;
  int ttl = 0;
  if (expires != nullptr && *expires != "0") {
    const int64_t left_ms = std::strtoll(expires->c_str(), nullptr, 10) - UnixMs();
    if (left_ms <= 0) return;  // expired while in the stream
    ttl = static_cast<int>((left_ms + 999) / 1000);
  }
  std::vector<float> embedding;
  if (vector != nullptr && vector->size() % sizeof(float) == 0)
    embedding = redis::FloatsOf(*vector);
  cache_->StoreReplica(*scope, *question, embedding, *answer, ttl);
  ++applied_;
}

void RedisReplication::ReaderLoop() {
  std::unique_ptr<redis::Client> client;
  bool warned = false;
  std::string last_id = "0";  // the backlog first, then new entries
  const std::string block = std::to_string(options_.block_ms);
  for (;;) {
    if (queue_.stopped()) return;
    std::string error;
    if (!client) {
      client = redis::Client::Connect(options_.endpoint, error);
      if (client) client->SetTimeout(options_.endpoint.timeout_ms + options_.block_ms);
    }
    std::optional<redis::Reply> reply;
    if (client) {
      reply = client->Command(
          {"XREAD", "COUNT", "512", "BLOCK", block, "STREAMS", options_.stream_key, last_id},
          error);
      if (reply && reply->is_error()) error = "redis XREAD: " + reply->str;
    }
    if (!reply || reply->is_error()) {
      Warn(warned, error.empty() ? "redis is not reachable" : error);
      if (!queue_.Sleep(std::chrono::milliseconds(500))) return;
      continue;
    }
    warned = false;
    // [[stream, [[id, [field, value, ...]], ...]]]; nil when BLOCK timed out.
    for (const redis::Reply& stream : reply->elements) {
      if (stream.elements.size() != 2) continue;
      for (const redis::Reply& entry : stream.elements[1].elements) {
        if (entry.elements.size() != 2) continue;
        last_id = entry.elements[0].str;
        ApplyEntry(entry.elements[1]);
      }
    }
  }
}

}  // namespace vsr::cache
