// Builds the replay store `global.services.router_replay` asks for: sqlite keeps records in a
// file (default .vllm-sr/router_replay.db), redis in a Redis server (upstream's key layout).
// Backends this build does not have (postgres, milvus) or cannot reach fall back to memory with
// a warning rather than refusing to start.
#pragma once

#include <memory>

#include "config/config.h"
#include "replay/store.h"

namespace vsr::replay {

inline constexpr const char* kDefaultSqlitePath = ".vllm-sr/router_replay.db";

// The Redis backend of `cfg` (address default localhost:6379), or null after logging why.
std::unique_ptr<Persistence> OpenRedis(const config::RouterReplayService& cfg,
                                       const ReplayStore::Log& log);

std::shared_ptr<ReplayStore> OpenStore(const config::RouterReplayService& cfg,
                                       const ReplayStore::Log& log);

}  // namespace vsr::replay
