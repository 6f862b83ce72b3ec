#include "plugins/memory_redis.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>

#include "common/json_text.h"
#include "common/unix_time.h"

namespace vsr::plugins {

namespace {

std::string Number(double v) {
  std::string out;
  AppendJsonNumber(out, v);
  return out;
}

// A memory's hash as upstream's valkey store writes it.
std::vector<std::string> HashFields(const Memory& m) {
  const std::string source = m.source.empty() ? "extraction" : m.source;
  const int64_t now_ms = UnixMillis();
  const std::string metadata = CompactJson(boost::json::object{{"user_id", m.user_id},
                                                               {"project_id", "default"},
                                                               {"source", source},
                                                               {"importance", m.importance},
                                                               {"last_accessed", now_ms / 1000}});
  return {"id",           m.id,
          "user_id",      m.user_id,
          "project_id",   "default",
          "memory_type",  m.type,
          "content",      m.content,
          "source",       source,
          "metadata",     metadata,
          "embedding",    redis::FloatBytes(m.embedding),
          "created_at",   std::to_string(m.created_unix * 1000),
          "updated_at",   std::to_string(now_ms),
          "access_count", std::to_string(m.access_count),
          "importance",   Number(m.importance)};
}

// A hash back into a memory; nullopt without an id, a user or content (not a memory).
std::optional<Memory> FromHash(const std::map<std::string, std::string>& f) {
  const auto get = [&f](const char* key) {
    auto it = f.find(key);
    return it == f.end() ? std::string() : it->second;
  };
  Memory m;
  m.id = get("id");
  m.user_id = get("user_id");
  m.content = get("content");
  if (m.id.empty() || m.user_id.empty() || m.content.empty()) return std::nullopt;
  if (std::string type = get("memory_type"); !type.empty()) m.type = type;
  m.source = get("source");
  m.importance = std::strtod(get("importance").c_str(), nullptr);
  m.access_count = std::atoi(get("access_count").c_str());
  m.created_unix = std::strtoll(get("created_at").c_str(), nullptr, 10) / 1000;
  m.embedding = redis::FloatsOf(get("embedding"));
  return m;
}

class RedisBackend final : public MemoryMirror::Backend {
 public:
  RedisBackend(std::unique_ptr<redis::Client> client, std::string prefix)
      : client_(std::move(client)), prefix_(std::move(prefix)) {}
  std::string name() const override { return "valkey " + client_->name(); }

  bool LoadAll(std::vector<Memory>& out, std::string& error) override {
    const std::string pattern = prefix_ + "*";
    const std::string version_key = prefix_ + "version";
    std::string cursor = "0";
    do {
      auto page = client_->Checked({"SCAN", cursor, "MATCH", pattern, "COUNT", "500"}, error);
      if (!page) return false;
      if (page->elements.size() != 2) {
        error = name() + ": SCAN: unexpected reply";
        return false;
      }
      cursor = page->elements[0].str;
      for (const redis::Reply& key : page->elements[1].elements) {
        if (key.str == version_key) continue;
        auto hash = client_->Command({"HGETALL", key.str}, error);
        if (!hash) return false;
        if (hash->is_error()) continue;  // another type under the prefix: not ours
        if (auto m = FromHash(redis::HashPairs(*hash))) out.push_back(std::move(*m));
      }
    } while (cursor != "0");
    return true;
  }

  bool Put(const Memory& m, std::string& version, std::string& error) override {
    std::vector<std::string> fields = HashFields(m);
    const std::string key = prefix_ + m.id;
    std::vector<std::string_view> args{"HSET", key};
    for (const std::string& f : fields) args.push_back(f);
    return client_->Checked(args, error).has_value() && Bump(version, error);
  }

  bool Erase(const std::string& id, std::string& version, std::string& error) override {
    return client_->Checked({"DEL", prefix_ + id}, error).has_value() && Bump(version, error);
  }

  // A counter under `<prefix>version` that every write increments.
  std::optional<std::string> Version(std::string& error) override {
    auto v = client_->Checked({"GET", prefix_ + "version"}, error);
    if (!v) return std::nullopt;
    return std::to_string(std::atoll(v->str.c_str()));
  }

 private:
  bool Bump(std::string& version, std::string& error) {
    auto v = client_->Checked({"INCR", prefix_ + "version"}, error);
    if (!v) return false;
    version = std::to_string(v->integer);
    return true;
  }

  std::unique_ptr<redis::Client> client_;
  std::string prefix_;
};

}  // namespace

std::unique_ptr<MemoryMirror> OpenMemoryRedis(const redis::Endpoint& endpoint, std::string prefix,
                                              std::vector<Memory>& loaded, std::string& error) {
  auto client = redis::Client::Connect(endpoint, error);
  if (!client) return nullptr;
  return MemoryMirror::Open(std::make_unique<RedisBackend>(std::move(client), std::move(prefix)),
                            loaded, error);
}

}  // namespace vsr::plugins
