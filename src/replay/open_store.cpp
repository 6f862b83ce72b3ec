#include "replay/open_store.h"

#include "replay/milvus_persistence.h"
#include "replay/postgres_persistence.h"
#include "replay/redis_persistence.h"
#include "replay/sqlite_persistence.h"

namespace vsr::replay {

namespace {
// What a memory store costs, so that the warning lets an operator size it.
constexpr const char* kMemoryNote =
    "records are kept in memory only (lost on restart; up to each decision's max_records, "
    "default 10000, of up to ~9 KB each with the default max_body_bytes)";
}  // namespace

std::unique_ptr<Persistence> OpenRedis(const config::RouterReplayService& cfg,
                                       const ReplayStore::Log& log) {
  const config::ReplayRedis settings = cfg.redis.value_or(config::ReplayRedis{});
  std::string error;
  redis::Endpoint endpoint;
  if (redis::ParseAddress(settings.address.empty() ? "localhost:6379" : settings.address, endpoint,
                          error)) {
    if (settings.use_tls) endpoint.tls.enabled = true;
    endpoint.tls.skip_verify = settings.tls_skip_verify;
    if (!settings.password.empty()) endpoint.password = settings.password;
    if (settings.db != 0) endpoint.database = settings.db;
    if (auto db = RedisPersistence::Open(endpoint, settings.key_prefix, cfg.ttl_seconds, error)) {
      return db;
    }
  }
  if (log) log("router replay: " + error + "; " + kMemoryNote);
  return nullptr;
}

std::shared_ptr<ReplayStore> OpenStore(const config::RouterReplayService& cfg,
                                       const ReplayStore::Log& log) {
  const auto warn = [&](const std::string& line) {
    if (log) log(line);
  };
  const std::string& backend = cfg.store_backend;
  if (backend == "sqlite") {
    const std::string path =
        cfg.sqlite && !cfg.sqlite->path.empty() ? cfg.sqlite->path : kDefaultSqlitePath;
    std::string error;
    if (auto db = SqlitePersistence::Open(path, error)) {
      return std::make_shared<ReplayStore>(cfg.ttl_seconds, std::move(db), log);
    }
    warn("router replay: " + error + "; " + kMemoryNote);
  } else if (backend == "redis") {
    if (auto db = OpenRedis(cfg, log)) {
      return std::make_shared<ReplayStore>(cfg.ttl_seconds, std::move(db), log);
    }
  } else if (backend == "postgres") {
    std::string error =
        "store_backend postgres needs router_replay.postgres (host, port, "
        "database, user, password)";
    if (cfg.postgres) {
      if (auto db = PostgresPersistence::Open(*cfg.postgres, error)) {
        return std::make_shared<ReplayStore>(cfg.ttl_seconds, std::move(db), log);
      }
    }
    warn("router replay: " + error + "; " + kMemoryNote);
  } else if (backend == "milvus") {
    std::string error;
    if (auto db = MilvusPersistence::Open(cfg.milvus.value_or(config::ReplayMilvus{}), error)) {
      return std::make_shared<ReplayStore>(cfg.ttl_seconds, std::move(db), log);
    }
    warn("router replay: " + error + "; " + kMemoryNote);
  } else if (backend != "memory") {
    warn("router replay: store_backend '" + backend +
         "' is not available in this build (use memory, sqlite, redis, postgres or milvus); " +
         kMemoryNote);
  }
  return std::make_shared<ReplayStore>(cfg.ttl_seconds, nullptr, log);
}

}  // namespace vsr::replay
