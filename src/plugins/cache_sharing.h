// How several routers share the semantic cache, from global.stores.semantic_cache: through a
// Redis (or Valkey) stream for backend_type redis/valkey, through a Milvus collection for
// milvus/hybrid (hybrid is upstream's in-memory index over Milvus documents, which is what
// every backend here is: lookups stay in the process's own index).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cache/semantic_cache.h"
#include "config/model_global.h"

namespace vsr::plugins {

// The replication for `store`, or null for memory (and unknown types, which the validator
// refuses). `dimension`: the embedding model's size, 0 when none is loaded (the config's
// vector_field.dimension is used, else 384).
std::unique_ptr<cache::CacheReplication> CacheSharing(
    const config::SemanticCacheStore& store, cache::SemanticCache* cache, int dimension,
    const std::function<void(const std::string&)>& log);

}  // namespace vsr::plugins
