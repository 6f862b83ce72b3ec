// Replay records in Redis, laid out as upstream's Redis store does: one string key per record,
// `<key_prefix><id>` (default prefix "router_replay:") holding the record's JSON, expiring with
// the replay TTL. Several routers can write to one Redis; each reloads every record at start.
#pragma once

#include <memory>
#include <string>

#include "redis/client.h"
#include "replay/store.h"

namespace vsr::replay {

inline constexpr const char* kDefaultRedisKeyPrefix = "router_replay:";

class RedisPersistence final : public Persistence {
 public:
  // Connects (PING checked) or returns null with `error`.
  static std::unique_ptr<RedisPersistence> Open(const redis::Endpoint& endpoint,
                                                std::string key_prefix, int ttl_seconds,
                                                std::string& error);

  std::string name() const override { return "redis " + client_->name(); }
  bool Load(std::vector<ReplayRecord>& out, std::string& error) override;
  bool Save(const ReplayRecord& record, std::string& error) override;
  bool Erase(const std::string& id, std::string& error) override;

 private:
  RedisPersistence(std::unique_ptr<redis::Client> client, std::string key_prefix, int ttl)
      : client_(std::move(client)), prefix_(std::move(key_prefix)), ttl_seconds_(ttl) {}
  // Runs a command; false (with `error`) on no reply or an error reply.
  bool Run(const std::vector<std::string_view>& args, redis::Reply& reply, std::string& error);

  std::unique_ptr<redis::Client> client_;
  std::string prefix_;
  int ttl_seconds_;
};

}  // namespace vsr::replay
