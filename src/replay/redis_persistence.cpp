#include "replay/redis_persistence.h"

#include <boost/json.hpp>

#include "common/json_text.h"

namespace vsr::replay {

std::unique_ptr<RedisPersistence> RedisPersistence::Open(const redis::Endpoint& endpoint,
                                                         std::string key_prefix, int ttl_seconds,
                                                         std::string& error) {
  auto client = redis::Client::Connect(endpoint, error);
  if (!client) return nullptr;
  if (key_prefix.empty()) key_prefix = kDefaultRedisKeyPrefix;
  std::unique_ptr<RedisPersistence> p(
      new RedisPersistence(std::move(client), std::move(key_prefix), ttl_seconds));
  redis::Reply pong;
  if (!p->Run({"PING"}, pong, error)) return nullptr;
  return p;
}

bool RedisPersistence::Run(const std::vector<std::string_view>& args, redis::Reply& reply,
                           std::string& error) {
  auto r = client_->Checked(args, error);
  if (!r) return false;
  reply = std::move(*r);
  return true;
}

bool RedisPersistence::Load(std::vector<ReplayRecord>& out, std::string& error) {
  const std::string pattern = prefix_ + "*";
  std::string cursor = "0";
  size_t unreadable = 0;
  // SCAN visits every key once (bounded batches); values are read 100 at a time with MGET.
  do {
    redis::Reply page;
    if (!Run({"SCAN", cursor, "MATCH", pattern, "COUNT", "100"}, page, error)) return false;
    if (page.elements.size() != 2) {
      error = "redis SCAN: unexpected reply";
      return false;
    }
    cursor = page.elements[0].str;
    const auto& keys = page.elements[1].elements;
    if (keys.empty()) continue;
    std::vector<std::string_view> mget{"MGET"};
    for (const auto& k : keys) mget.push_back(k.str);
    redis::Reply values;
    if (!Run(mget, values, error)) return false;
    for (const auto& v : values.elements) {
      if (v.type != redis::Reply::Type::kString) continue;  // expired between SCAN and MGET
      boost::system::error_code ec;
      boost::json::value json = boost::json::parse(v.str, ec);
      if (ec || !json.is_object()) {
        ++unreadable;
        continue;
      }
      out.push_back(FromJson(json.as_object()));
    }
  } while (cursor != "0");
  if (unreadable > 0) {
    error = std::to_string(unreadable) + " record(s) under '" + prefix_ +
            "' are not valid JSON and were skipped";
    return false;
  }
  return true;
}

bool RedisPersistence::Save(const ReplayRecord& record, std::string& error) {
  const std::string key = prefix_ + record.id;
  const std::string json = CompactJson(ToJson(record));
  redis::Reply ok;
  if (ttl_seconds_ > 0) {
    const std::string ttl = std::to_string(ttl_seconds_);
    return Run({"SET", key, json, "EX", ttl}, ok, error);
  }
  return Run({"SET", key, json}, ok, error);
}

bool RedisPersistence::Erase(const std::string& id, std::string& error) {
  redis::Reply deleted;
  return Run({"DEL", prefix_ + id}, deleted, error);
}

}  // namespace vsr::replay
