// Long-lived state plugins share across requests and hot reloads (stores, caches), owned by
// the router process and handed to every plugin chain built from a config.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cache/semantic_cache.h"
#include "ml/model_store.h"
#include "observability/router_metrics.h"
#include "plugins/memory_store.h"
#include "plugins/tools_database.h"
#include "replay/store.h"
#include "vectorstore/service.h"

namespace vsr::plugins {

// Embeds a text on the model threads and calls back there with its vector.
using EmbedAsync = std::function<void(std::string, std::function<void(std::vector<float>)>)>;

struct PluginServices {
  std::function<void(const std::string&)> log;  // warnings for the router log; may be empty
  // The replay store every decision records into; opened from the first config that records
  // when not given (tests give one).
  std::shared_ptr<replay::ReplayStore> replay;
  // The semantic cache decisions share (entries are scoped per decision); opened like replay.
  std::shared_ptr<cache::SemanticCache> semantic_cache;
  // The question -> embedding function of the embedding model; empty until one is loaded
  // (then the cache matches exact questions only).
  std::function<std::vector<float>(const std::string&)> embed;
  // Model threads for the request path (0: none). With threads, questions are embedded there,
  // batched with concurrent ones, through embed_async (which the runtime fills in).
  size_t model_threads = 0;
  EmbedAsync embed_async;
  std::shared_ptr<observability::RouterMetrics> metrics;  // null: not recorded
  // The memory plugin's store (created for the first config with a memory plugin).
  std::shared_ptr<MemoryStore> memory_store;
  // The tools database of semantic tool selection (loaded with the embedding model).
  std::shared_ptr<const ToolsDatabase> tools_db;
  // The vector store (global.stores.vector_store) rag's vectorstore backend searches and the
  // Files / Vector Stores APIs fill; opened from the first config that enables it.
  std::shared_ptr<vectorstore::VectorStoreService> vector_store;
  // The process's loaded models, shared with the learned signals (null: the runtime loads the
  // embedding model on its own).
  std::shared_ptr<ml::ModelStore> models;
};

}  // namespace vsr::plugins
