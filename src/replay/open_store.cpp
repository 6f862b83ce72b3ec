#include "replay/open_store.h"

#include "replay/sqlite_persistence.h"

namespace vsr::replay {

namespace {
// What a memory store costs, so that the warning lets an operator size it.
constexpr const char* kMemoryNote =
    "records are kept in memory only (lost on restart; up to each decision's max_records, "
    "default 10000, of up to ~9 KB each with the default max_body_bytes)";
}  // namespace

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
  } else if (backend != "memory") {
    warn("router replay: store_backend '" + backend +
         "' is not available in this build (use memory or sqlite); " + kMemoryNote);
  }
  return std::make_shared<ReplayStore>(cfg.ttl_seconds, nullptr, log);
}

}  // namespace vsr::replay
