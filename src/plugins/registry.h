// The one place plugin types are registered: a decision's plugin specs become Plugin objects,
// in a fixed phase order, and every decision gets its chain once per config.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plugins/plugin.h"
#include "plugins/services.h"
#include "signals/model_refs.h"

namespace vsr::plugins {

class MemoryMirror;

using BatchEmbedFn =
    std::function<std::vector<std::vector<float>>(const std::vector<std::string>&)>;

// A decision's plugins in run order (fast_response before the cache, rewrites before
// recording), whatever order the config lists them in.
class PluginChain {
 public:
  void Add(std::unique_ptr<Plugin> plugin, int rank);
  void OnRouted(RequestContext& ctx) const;  // stops at the first answer
  void OnForward(RequestContext& ctx) const;
  // The answer screens in order; stops at the first block.
  void OnAnswer(RequestContext& ctx, AnswerContext& answer) const;
  void OnResponse(const RequestContext& ctx, const ResponseContext& response) const;
  bool empty() const { return plugins_.empty(); }
  bool screens_answers() const { return screens_answers_; }
  // The plugins that make a call after OnRouted (PrepareCall), in order.
  bool calls_out() const { return calls_out_; }
  std::vector<Plugin*> callers() const;
  bool needs_completion() const { return needs_completion_; }
  bool needs_embedding() const { return needs_embedding_; }
  bool rewrites_body() const { return rewrites_body_; }
  std::vector<std::string_view> types() const;

 private:
  std::vector<std::pair<int, std::unique_ptr<Plugin>>> plugins_;
  bool needs_completion_ = false;
  bool needs_embedding_ = false;
  bool screens_answers_ = false;
  bool calls_out_ = false;
  bool rewrites_body_ = false;
};

// The chains of every decision of one config (and the chain of requests no decision matched).
class PluginChains {
 public:
  // `notes` receives one line per configured plugin this build cannot run.
  PluginChains(std::shared_ptr<const routing::Router> router, const PluginServices& services,
               std::vector<std::string>& notes);
  const PluginChain& For(const config::Decision* decision) const;
  // Whether some decision records replays (the replay API is served only then, as upstream).
  bool records_replays() const { return records_replays_; }

 private:
  std::shared_ptr<const routing::Router> router_;  // keeps the decisions alive
  std::vector<std::pair<const config::Decision*, PluginChain>> chains_;
  PluginChain no_decision_;
  bool records_replays_ = false;
};

// The embedding model the semantic cache loads for `cfg` (stores.semantic_cache.embedding_model,
// else embedding_config.model_type); nullopt when no decision enables a semantic-cache plugin.
std::optional<signals::ModelRef> SemanticCacheModel(const config::Config& cfg);

// The one embedding model the plugins of `cfg` share: the semantic cache's when a decision
// caches, else the vector store's (global.stores.vector_store.embedding_model) when it is
// enabled, else embedding_config.model_type when rag searches by vector, memory remembers or
// tools are selected semantically; nullopt when no plugin embeds.
std::optional<signals::ModelRef> PluginEmbeddingModel(const config::Config& cfg);

// Every model the plugins of `cfg` load: their embedding model, the prompt guard of
// response_jailbreak, the hallucination detector and explainer (what `vllm-sr serve` fetches).
std::vector<signals::ModelRef> PluginModels(const config::Config& cfg);

// Builds the chains for each new router (hot reload) once, and hands every request the chains
// of the router it was routed with. Shared by all workers.
class PluginRuntime {
 public:
  explicit PluginRuntime(PluginServices services);
  std::shared_ptr<const PluginChains> ChainsFor(const std::shared_ptr<const routing::Router>& r);
  // The replay store (null until a config records replays).
  std::shared_ptr<replay::ReplayStore> replay_store();
  // The semantic cache (null until a config enables a semantic-cache plugin).
  std::shared_ptr<cache::SemanticCache> semantic_cache();
  // The question -> embedding function the plugins use (empty without a model).
  std::function<std::vector<float>(const std::string&)> embed();
  // The same, asynchronous and batched on the model threads (empty without model threads).
  EmbedAsync embed_async();
  // The memory plugin's store (null until a config has a memory plugin).
  std::shared_ptr<MemoryStore> memory_store();
  // The vector store (null until a config enables global.stores.vector_store).
  std::shared_ptr<vectorstore::VectorStoreService> vector_store();
  // The model the cache embeds questions with ("" when it matches exact questions only).
  std::string embedding_model();

 private:
  // The shared stores, opened from the first config that uses them (store settings are read
  // once; a reload that changes them needs a restart).
  void OpenReplayStore(const config::Config& cfg);
  void OpenSemanticCache(const config::Config& cfg);
  // The tools database, when a decision selects tools semantically (read once).
  void OpenToolsDatabase(const config::Config& cfg);
  // The memory store, when a decision remembers users.
  void OpenMemoryStore(const config::Config& cfg);
  // The vector store, when global.stores.vector_store is enabled (after the embedding model:
  // it embeds documents with it).
  void OpenVectorStore(const config::Config& cfg);
  // The plugins' embedding model (the cache's, else rag's); when it cannot be loaded the log
  // says why and `without_it` what that means.
  void OpenEmbeddingModel(const signals::ModelRef& ref, const std::string& without_it);
  // Runs embeddings on services_.model_threads threads, batching concurrent questions.
  void StartBatcher(BatchEmbedFn batch);
  std::string embedding_;
  int embedding_dimension_ = 0;  // the loaded embedding model's size (0: none)

  PluginServices services_;
  std::shared_ptr<MemoryMirror> memory_mirror_;  // memory backend valkey or milvus
  std::mutex mu_;
  const routing::Router* built_for_ = nullptr;
  std::shared_ptr<const PluginChains> chains_;
};

}  // namespace vsr::plugins
