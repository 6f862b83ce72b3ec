// The memory mirror's Milvus store (global.stores.memory.backend: milvus), over Milvus's REST
// API (v2, the same port as its gRPC API): the collection upstream's Milvus store creates —
// id (primary), user_id (partition key), project_id, memory_type, content, source, metadata,
// embedding (dimension), created_at, updated_at, access_count, importance; an HNSW/COSINE index
// — made when missing, so either implementation reads what the other wrote. The version token is
// the entity count. Limits: a router mirrors at most 16,384 memories (Milvus's query window),
// and another router's update of an existing memory is seen at the next count change only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "plugins/memory_mirror.h"

namespace vsr::plugins {

// Makes the collection when missing, loads it and reads every memory into `loaded`; null with
// `error` when Milvus cannot be used.
std::unique_ptr<MemoryMirror> OpenMemoryMilvus(const config::MemoryMilvus& milvus,
                                               std::vector<Memory>& loaded, std::string& error);

}  // namespace vsr::plugins
