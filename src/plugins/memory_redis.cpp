#include "plugins/memory_redis.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>

#include "common/json_text.h"

namespace vsr::plugins {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Number(double v) {
  std::string out;
  AppendJsonNumber(out, v);
  return out;
}

// A memory's hash as upstream's valkey store writes it.
std::vector<std::string> HashFields(const Memory& m) {
  const std::string source = m.source.empty() ? "extraction" : m.source;
  const int64_t now_ms = NowMs();
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

}  // namespace

std::unique_ptr<MemoryRedis> MemoryRedis::Open(const redis::Endpoint& endpoint, std::string prefix,
                                               std::vector<Memory>& loaded, std::string& error) {
  auto writer = redis::Client::Connect(endpoint, error);
  if (!writer) return nullptr;
  auto reader = redis::Client::Connect(endpoint, error);
  if (!reader) return nullptr;
  std::unique_ptr<MemoryRedis> r(
      new MemoryRedis(std::move(writer), std::move(reader), std::move(prefix)));
  if (!r->LoadAll(loaded, error)) return nullptr;
  r->writer_thread_ = std::thread([p = r.get()] { p->WriteLoop(); });
  return r;
}

MemoryRedis::MemoryRedis(std::unique_ptr<redis::Client> writer,
                         std::unique_ptr<redis::Client> reader, std::string prefix)
    : prefix_(std::move(prefix)),
      name_(writer->name()),
      writer_(std::move(writer)),
      reader_(std::move(reader)) {}

MemoryRedis::~MemoryRedis() {
  Flush();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
  if (sync_thread_.joinable()) sync_thread_.join();
}

bool MemoryRedis::LoadAll(std::vector<Memory>& out, std::string& error) {
  out.clear();
  const std::string pattern = prefix_ + "*";
  const std::string version_key = prefix_ + "version";
  std::string cursor = "0";
  do {
    auto page = reader_->Checked({"SCAN", cursor, "MATCH", pattern, "COUNT", "500"}, error);
    if (!page) return false;
    if (page->elements.size() != 2) {
      error = "redis " + name_ + ": SCAN: unexpected reply";
      return false;
    }
    cursor = page->elements[0].str;
    for (const redis::Reply& key : page->elements[1].elements) {
      if (key.str == version_key) continue;
      auto hash = reader_->Command({"HGETALL", key.str}, error);
      if (!hash) return false;
      if (hash->is_error()) continue;  // another type under the prefix: not ours
      if (auto m = FromHash(redis::HashPairs(*hash))) out.push_back(std::move(*m));
    }
  } while (cursor != "0");
  auto version = reader_->Checked({"GET", version_key}, error);
  if (!version) return false;
  std::lock_guard lock(mu_);
  own_version_ = std::atoll(version->str.c_str());
  return true;
}

void MemoryRedis::Put(const Memory& m) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Op{m, {}});
  }
  cv_.notify_all();
}

void MemoryRedis::Erase(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Op{std::nullopt, id});
  }
  cv_.notify_all();
}

void MemoryRedis::Flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return (queue_.empty() && !busy_) || !writer_thread_.joinable(); });
}

void MemoryRedis::WriteLoop() {
  bool failing = false;
  for (;;) {
    Op op;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {  // stopping, nothing left
        idle_cv_.notify_all();
        return;
      }
      op = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    std::string error;
    bool ok = false;
    if (op.put) {
      std::vector<std::string> fields = HashFields(*op.put);
      const std::string key = prefix_ + op.put->id;
      std::vector<std::string_view> args{"HSET", key};
      for (const std::string& f : fields) args.push_back(f);
      ok = writer_->Checked(args, error).has_value();
    } else {
      ok = writer_->Checked({"DEL", prefix_ + op.erase}, error).has_value();
    }
    std::optional<redis::Reply> version;
    if (ok) version = writer_->Checked({"INCR", prefix_ + "version"}, error);
    std::lock_guard lock(mu_);
    if (version) own_version_ = version->integer;
    // One line per outage, not per write (the memory stays in this router either way).
    if (!version && !failing && log_) log_("memory: cannot save to " + name_ + ": " + error);
    failing = !version;
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
}

void MemoryRedis::Watch(Reload reload, Log log, std::chrono::milliseconds interval) {
  {
    std::lock_guard lock(mu_);
    log_ = log;
  }
  sync_thread_ = std::thread([this, reload = std::move(reload), log = std::move(log), interval] {
    SyncLoop(reload, log, interval);
  });
}

void MemoryRedis::SyncLoop(Reload reload, Log log, std::chrono::milliseconds interval) {
  bool failing = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, interval, [this] { return stopping_; })) return;
      if (!queue_.empty() || busy_) continue;  // our own writes first
    }
    std::string error;
    auto version = reader_->Checked({"GET", prefix_ + "version"}, error);
    std::vector<Memory> all;
    bool changed = false;
    if (version) {
      const long long v = std::atoll(version->str.c_str());
      std::lock_guard lock(mu_);
      changed = v != own_version_;
    }
    if (changed && LoadAll(all, error)) reload(std::move(all));
    const bool failed = !version || (changed && !error.empty());
    if (failed && !failing && log) {
      log("memory: cannot read " + name_ + ": " + error + " (serving the memories held here)");
    }
    failing = failed;
  }
}

}  // namespace vsr::plugins
