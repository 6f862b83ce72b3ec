// The memory mirror's Redis/Valkey store (global.stores.memory.backend: valkey). Each memory is
// a hash `<collection_prefix><id>` (default prefix "mem:") with upstream's valkey store fields —
// id, user_id, project_id, memory_type, content, source, metadata, embedding (float32 bytes),
// created_at / updated_at (ms), access_count, importance — so either implementation reads what
// the other wrote. Upstream searches them with the Valkey Search module; Debian's redis-server
// has none, hence the mirror (memory_mirror.h). `<prefix>version` counts changes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plugins/memory_mirror.h"
#include "redis/client.h"

namespace vsr::plugins {

// Connects and reads every memory into `loaded`; null with `error` when Redis cannot be reached.
std::unique_ptr<MemoryMirror> OpenMemoryRedis(const redis::Endpoint& endpoint, std::string prefix,
                                              std::vector<Memory>& loaded, std::string& error);

}  // namespace vsr::plugins
