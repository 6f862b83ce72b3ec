// Builds the replay store `global.services.router_replay` asks for. Backends this build does
// not have (postgres, milvus) fall back to memory with a warning rather than losing every
// record; sqlite keeps records in a file (default .vllm-sr/router_replay.db).
#pragma once

#include <memory>

#include "config/config.h"
#include "replay/store.h"

namespace vsr::replay {

inline constexpr const char* kDefaultSqlitePath = ".vllm-sr/router_replay.db";

std::shared_ptr<ReplayStore> OpenStore(const config::RouterReplayService& cfg,
                                       const ReplayStore::Log& log);

}  // namespace vsr::replay
