#include "plugins/registry.h"

#include <algorithm>
#include <chrono>

#include "common/strings.h"
#include "ml/text_batcher.h"
#include "plugins/cache_sharing.h"
#include "plugins/fast_response.h"
#include "plugins/hallucination.h"
#include "plugins/header_mutation.h"
#include "plugins/image_gen.h"
#include "plugins/memory.h"
#include "plugins/memory_milvus.h"
#include "plugins/memory_redis.h"
#include "plugins/rag.h"
#include "plugins/request_params.h"
#include "plugins/response_jailbreak.h"
#include "plugins/router_replay.h"
#include "plugins/semantic_cache.h"
#include "plugins/system_prompt.h"
#include "plugins/tools.h"
#include "postgres/client.h"
#include "replay/open_store.h"
#include "signals/learned.h"

namespace vsr::plugins {

namespace {

// Phase order inside a chain: answers first, then request rewrites, then response work.
enum Rank : int {
  kFastResponse = 0,
  kSemanticCache = 10,
  kImageGen = 15,  // an image request is answered before rag retrieves context for it
  kRag = 20,
  kSystemPrompt = 40,
  kMemory = 42,  // after the system prompt: its message goes after the system messages
  kTools = 45,
  kRequestParams = 50,
  kHeaderMutation = 60,
  kResponseJailbreak = 70,  // a blocked answer is not annotated further
  kHallucination = 75,
  kRouterReplay = 100,
};

struct Built {
  std::unique_ptr<Plugin> plugin;
  int rank = 0;
};

// Whether the plugin block says `enabled: false` (then there is nothing to run or report).
bool Disabled(const config::PluginSpec& spec) {
  return std::visit(
      [](const auto& cfg) {
        if constexpr (requires { cfg.enabled == false; }) {
          return cfg.enabled == false;  // an unset optional<bool> is not `false`
        } else {
          return false;
        }
      },
      spec.config);
}

// Whether some decision of `cfg` has a plugin block of type T for which `pred` holds.
template <typename T, typename Pred>
bool AnyPlugin(const config::Config& cfg, Pred pred) {
  for (const config::Decision& d : cfg.routing.decisions) {
    for (const config::PluginSpec& spec : d.plugins) {
      if (const T* c = std::get_if<T>(&spec.config); c != nullptr && pred(*c)) return true;
    }
  }
  return false;
}

constexpr auto kEnabled = [](const auto& c) { return static_cast<bool>(c.enabled); };

// A valkey block's connection (the stores' shared defaults: localhost:6379; a password written
// ${NAME} read from the environment).
redis::Endpoint ValkeyEndpoint(const std::string& host, int port, int database,
                               const std::string& password, int timeout_seconds) {
  redis::Endpoint e;
  e.host = host.empty() ? "localhost" : host;
  e.port = port > 0 ? port : 6379;
  e.database = database;
  e.password = ValueOrEnv(password);
  if (timeout_seconds > 0) e.timeout_ms = timeout_seconds * 1000;
  return e;
}

// Whether some decision has an enabled memory plugin.
bool RemembersUsers(const config::Config& cfg) {
  return AnyPlugin<config::MemoryPluginConfig>(cfg, kEnabled);
}

// Whether some decision selects tools semantically (and the tools integration is on).
bool SelectsTools(const config::Config& cfg) {
  return cfg.global.integrations.tools.enabled &&
         AnyPlugin<config::ToolsPluginConfig>(cfg, WantsToolSelection);
}

// The prompt-guard classifier read by response_jailbreak; null with a note when missing.
std::unique_ptr<Plugin> MakeResponseJailbreak(const config::ResponseJailbreakPluginConfig& cfg,
                                              const config::Config& config,
                                              const PluginServices& services, std::string& note) {
  const signals::ModelRef ref = signals::ClassifierModel(config, signals::Family::kJailbreak);
  std::vector<std::string> labels;
  std::string error;
  auto classifier = signals::LoadClassifier(ref, *services.models, labels, error);
  if (!classifier) {
    note = "response_jailbreak: " + error + "; until then answers are not screened";
    return nullptr;
  }
  return std::make_unique<ResponseJailbreakPlugin>(
      cfg, config.global.model_catalog.modules.prompt_guard.threshold, std::move(classifier),
      std::move(labels), services.metrics);
}

// The hallucination detector (and NLI explainer, when loadable); without a detector the plugin
// still marks unverified factual answers (a note says grounded ones are not checked).
std::unique_ptr<Plugin> MakeHallucination(const config::HallucinationPluginConfig& cfg,
                                          const config::Config& config,
                                          const PluginServices& services, std::string& note) {
  std::string error;
  const signals::ModelRef ref = signals::HallucinationDetectorModel(config);
  std::shared_ptr<const HallucinationDetector> detector;
  if (auto tagger = signals::LoadRef(ref, *services.models, &ml::ModelStore::LoadTokenClassifier,
                                     nullptr, error)) {
    std::vector<std::string> nli_labels;
    std::string nli_error;
    std::shared_ptr<const ml::SequenceClassifier> nli;
    if (cfg.use_nli) {
      nli = signals::LoadClassifier(signals::HallucinationExplainerModel(config), *services.models,
                                    nli_labels, nli_error);
      if (!nli) {
        note = "hallucination: " + nli_error + "; spans are reported without NLI explanations";
      }
    }
    detector = std::make_shared<HallucinationDetector>(
        std::move(tagger), std::move(nli), std::move(nli_labels),
        config.global.model_catalog.modules.hallucination_mitigation);
  } else {
    note = "hallucination: " + error +
           "; until then answers grounded in tool results are not checked (unverified factual "
           "answers are still marked)";
  }
  return std::make_unique<HallucinationPlugin>(cfg, std::move(detector), services.metrics);
}

// Whether `decision` retrieves context for its requests (rag or memory enabled).
bool RetrievesContext(const config::Decision& decision) {
  for (const config::PluginSpec& spec : decision.plugins) {
    const bool retrieves = std::holds_alternative<config::RagPluginConfig>(spec.config) ||
                           std::holds_alternative<config::MemoryPluginConfig>(spec.config);
    if (retrieves && !Disabled(spec)) return true;
  }
  return false;
}

// The rag backend of `cfg`; null with a note when its backend_config cannot be used.
std::unique_ptr<Plugin> MakeRag(const config::RagPluginConfig& cfg, const config::Config& config,
                                const PluginServices& services, std::string& note) {
  std::string error;
  std::optional<RagBackends> backends = MakeRagBackends(cfg, config, error, services.vector_store);
  if (!backends) {
    note = "rag: " + error + "; until then requests go on without retrieved context";
    return nullptr;
  }
  if (backends->stages.front()->local() && !services.vector_store) {
    note =
        "rag: backend 'vectorstore' searches this router's vector store and "
        "global.stores.vector_store is not enabled (or did not open: see above); retrieval "
        "fails until it is";
  } else if (backends->needs_embedding() && !services.embed) {
    note = "rag: backend '" + cfg.backend +
           "' searches by vector and no embedding model is loaded (see the lines above); "
           "retrieval fails until one is";
  }
  return std::make_unique<RagPlugin>(cfg, std::move(*backends), services);
}

// The registration table: one entry per implemented plugin type.
Built Make(const config::PluginSpec& spec, const config::Config& config,
           const config::Decision& decision, const PluginServices& services, std::string& note) {
  return std::visit(
      [&](const auto& cfg) -> Built {
        using T = std::decay_t<decltype(cfg)>;
        if constexpr (std::is_same_v<T, config::FastResponsePluginConfig>) {
          return {std::make_unique<FastResponsePlugin>(cfg), kFastResponse};
        } else if constexpr (std::is_same_v<T, config::SystemPromptPluginConfig>) {
          return {std::make_unique<SystemPromptPlugin>(cfg), kSystemPrompt};
        } else if constexpr (std::is_same_v<T, config::RequestParamsPluginConfig>) {
          return {std::make_unique<RequestParamsPlugin>(cfg), kRequestParams};
        } else if constexpr (std::is_same_v<T, config::ToolsPluginConfig>) {
          const auto& semantic = config.global.model_catalog.embeddings.semantic;
          return {std::make_unique<ToolsPlugin>(
                      cfg, config.global.integrations.tools,
                      semantic.embedding_config.min_score_threshold,
                      config.global.integrations.tools.enabled ? services.tools_db : nullptr,
                      services.embed),
                  kTools};
        } else if constexpr (std::is_same_v<T, config::HeaderMutationPluginConfig>) {
          return {std::make_unique<HeaderMutationPlugin>(cfg), kHeaderMutation};
        } else if constexpr (std::is_same_v<T, config::SemanticCachePluginConfig>) {
          return {std::make_unique<SemanticCachePlugin>(cfg, services, RetrievesContext(decision)),
                  kSemanticCache};
        } else if constexpr (std::is_same_v<T, config::MemoryPluginConfig>) {
          if (!services.memory_store) return {};  // opened for every enabled memory plugin
          return {std::make_unique<MemoryPlugin>(cfg, config.global.stores.memory,
                                                 config.global.model_catalog.external, services),
                  kMemory};
        } else if constexpr (std::is_same_v<T, config::ImageGenPluginConfig>) {
          return {std::make_unique<ImageGenPlugin>(cfg, services), kImageGen};
        } else if constexpr (std::is_same_v<T, config::RagPluginConfig>) {
          return {MakeRag(cfg, config, services, note), kRag};
        } else if constexpr (std::is_same_v<T, config::ResponseJailbreakPluginConfig>) {
          return {MakeResponseJailbreak(cfg, config, services, note), kResponseJailbreak};
        } else if constexpr (std::is_same_v<T, config::HallucinationPluginConfig>) {
          return {MakeHallucination(cfg, config, services, note), kHallucination};
        } else {
          return {};
        }
      },
      spec.config);
}

PluginChain BuildChain(const config::Config& config, const config::Decision& decision,
                       const PluginServices& services, std::vector<std::string>& notes) {
  PluginChain chain;
  for (const config::PluginSpec& spec : decision.plugins) {
    if (std::holds_alternative<std::monostate>(spec.config)) continue;  // the validator said
    // router_replay is added below from the effective config, with or without its plugin.
    if (std::holds_alternative<config::RouterReplayPluginConfig>(spec.config)) continue;
    if (Disabled(spec)) continue;  // `enabled: false`: nothing to run, nothing to report
    std::string note;
    Built b = Make(spec, config, decision, services, note);
    if (!note.empty()) notes.push_back("decision '" + decision.name + "': " + note);
    if (b.plugin) {
      chain.Add(std::move(b.plugin), b.rank);
    } else if (note.empty()) {
      notes.push_back("decision '" + decision.name + "': plugin '" + spec.type +
                      "' is not available in this build yet; it is skipped");
    }
  }
  // Replay applies to every decision while the global service is on, plugin or not.
  if (services.replay) {
    if (auto replay_cfg = EffectiveReplayConfig(config, decision)) {
      chain.Add(std::make_unique<RouterReplayPlugin>(*replay_cfg, services.replay), kRouterReplay);
    }
  }
  return chain;
}

}  // namespace

void PluginChain::Add(std::unique_ptr<Plugin> plugin, int rank) {
  needs_completion_ = needs_completion_ || plugin->needs_completion();
  needs_embedding_ = needs_embedding_ || plugin->needs_embedding();
  screens_answers_ = screens_answers_ || plugin->screens_answers();
  rewrites_body_ = rewrites_body_ || plugin->rewrites_body();
  calls_out_ = calls_out_ || plugin->calls_out();
  auto at = std::upper_bound(plugins_.begin(), plugins_.end(), rank,
                             [](int r, const auto& entry) { return r < entry.first; });
  plugins_.emplace(at, rank, std::move(plugin));
}

namespace {

// Runs one plugin hook, inside a `semantic_router.plugin.execution` span (upstream's name and
// attributes, plus the hook as plugin.phase) when the request is traced.
template <typename Hook>
void RunHook(const Plugin& plugin, const char* phase, const RequestContext& ctx, Hook hook) {
  observability::RequestTrace* trace = ctx.trace;
  if (trace == nullptr || !trace->recording() || !plugin.traced()) {
    hook();
    return;
  }
  const auto span = trace->Begin("semantic_router.plugin.execution");
  const bool answered = hook();
  trace->End(span);
  trace->Set(span, "plugin.type", plugin.type());
  trace->Set(span, "plugin.decision",
             ctx.decision != nullptr ? std::string_view(ctx.decision->name) : std::string_view());
  trace->Set(span, "plugin.phase", phase);
  trace->Set(span, "plugin.status", "success");
  trace->Set(span, "plugin.latency_ms", trace->DurationNs(span) / 1'000'000);
  if (answered) trace->Set(span, "plugin.result", "answered");
}

}  // namespace

void PluginChain::OnRouted(RequestContext& ctx) const {
  for (const auto& [rank, plugin] : plugins_) {
    RunHook(*plugin, "routed", ctx, [&] {
      plugin->OnRouted(ctx);
      return ctx.answer.has_value();
    });
    if (ctx.answer) return;
  }
}

void PluginChain::OnForward(RequestContext& ctx) const {
  for (const auto& [rank, plugin] : plugins_) {
    RunHook(*plugin, "forward", ctx, [&] {
      plugin->OnForward(ctx);
      return false;
    });
  }
}

std::vector<Plugin*> PluginChain::callers() const {
  std::vector<Plugin*> out;
  for (const auto& [rank, plugin] : plugins_) {
    if (plugin->calls_out()) out.push_back(plugin.get());
  }
  return out;
}

void PluginChain::OnAnswer(RequestContext& ctx, AnswerContext& answer) const {
  for (const auto& [rank, plugin] : plugins_) {
    if (!plugin->screens_answers()) continue;
    RunHook(*plugin, "answer", ctx, [&] {
      plugin->OnAnswer(ctx, answer);
      return answer.block_status != 0;
    });
    if (answer.block_status != 0) return;
  }
}

void PluginChain::OnResponse(const RequestContext& ctx, const ResponseContext& response) const {
  for (const auto& [rank, plugin] : plugins_) {
    RunHook(*plugin, "response", ctx, [&] {
      plugin->OnResponse(ctx, response);
      return false;
    });
  }
}

std::vector<std::string_view> PluginChain::types() const {
  std::vector<std::string_view> out;
  for (const auto& [rank, plugin] : plugins_) out.push_back(plugin->type());
  return out;
}

PluginChains::PluginChains(std::shared_ptr<const routing::Router> router,
                           const PluginServices& services, std::vector<std::string>& notes)
    : router_(std::move(router)) {
  const config::Config& cfg = router_->config();
  for (const config::Decision& d : cfg.routing.decisions) {
    chains_.emplace_back(&d, BuildChain(cfg, d, services, notes));
    records_replays_ = records_replays_ || EffectiveReplayConfig(cfg, d).has_value();
  }
}

const PluginChain& PluginChains::For(const config::Decision* decision) const {
  if (decision != nullptr) {
    for (const auto& [d, chain] : chains_) {
      if (d == decision) return chain;
    }
  }
  return no_decision_;
}

PluginRuntime::PluginRuntime(PluginServices services) : services_(std::move(services)) {
  // A given embedding function (tests, embedders set up by the caller) batches by looping.
  if (services_.embed && services_.model_threads > 0 && !services_.embed_async) {
    StartBatcher([embed = services_.embed](const std::vector<std::string>& texts) {
      std::vector<std::vector<float>> out;
      for (const std::string& t : texts) out.push_back(embed(t));
      return out;
    });
  }
}

void PluginRuntime::StartBatcher(BatchEmbedFn batch) {
  if (services_.model_threads == 0) return;
  auto batcher = std::make_shared<ml::TextBatcher>(std::move(batch), services_.model_threads, 8);
  services_.embed_async = [batcher](std::string text,
                                    std::function<void(std::vector<float>)> done) {
    batcher->Submit(std::move(text), std::move(done));
  };
}

std::shared_ptr<const PluginChains> PluginRuntime::ChainsFor(
    const std::shared_ptr<const routing::Router>& router) {
  std::lock_guard lock(mu_);
  if (router.get() != built_for_ || !chains_) {
    std::vector<std::string> notes;
    if (!services_.models) services_.models = std::make_shared<ml::ModelStore>();
    if (!services_.semantic_cache) OpenSemanticCache(router->config());
    // (When the cache uses it, its opening above already tried, and logged a failure.)
    if (!services_.embed && !SemanticCacheModel(router->config())) {
      if (auto model = PluginEmbeddingModel(router->config())) {
        OpenEmbeddingModel(*model,
                           "until then rag backends that search by vector fail and tools are "
                           "not selected semantically");
      }
    }
    if (!services_.vector_store) OpenVectorStore(router->config());
    if (!services_.tools_db) OpenToolsDatabase(router->config());
    if (!services_.memory_store) OpenMemoryStore(router->config());
    if (!services_.replay) OpenReplayStore(router->config());
    chains_ = std::make_shared<const PluginChains>(router, services_, notes);
    built_for_ = router.get();
    if (services_.log) {
      for (const std::string& n : notes) services_.log(n);
    }
  }
  return chains_;
}

void PluginRuntime::OpenToolsDatabase(const config::Config& cfg) {
  if (!SelectsTools(cfg)) return;
  const std::string& path = cfg.global.integrations.tools.tools_db_path;
  if (!services_.embed) {
    if (services_.log) {
      services_.log("tools: no embedding model is loaded, so the tools database " + path +
                    " cannot be read; tools are not selected semantically");
    }
    return;
  }
  std::string error;
  services_.tools_db = ToolsDatabase::Load(path, services_.embed, error);
  if (!services_.tools_db && services_.log) {
    services_.log("tools: " + error + "; tools are not selected semantically until it loads");
  }
}

void PluginRuntime::OpenMemoryStore(const config::Config& cfg) {
  if (!RemembersUsers(cfg)) return;
  const auto log = [this](const std::string& line) {
    if (services_.log) services_.log(line);
  };
  const config::MemoryStore& settings = cfg.global.stores.memory;
  const std::string& backend = settings.backend;
  if (!services_.embed) {
    log("memory: no embedding model is loaded (see above); memories are neither stored nor "
        "searched until one is");
  }
  auto store = std::make_shared<MemoryStore>();
  services_.memory_store = store;
  std::vector<Memory> loaded;
  std::string error, where;
  std::shared_ptr<MemoryMirror> mirror;
  if (backend == "valkey") {
    const config::MemoryValkey v = settings.valkey.value_or(config::MemoryValkey{});
    redis::Endpoint e = ValkeyEndpoint(v.host, v.port, v.database, v.password, v.timeout);
    e.tls.enabled = v.tls_enabled;
    e.tls.ca_file = v.tls_ca_path;
    e.tls.skip_verify = v.tls_insecure_skip_verify;
    where = "valkey at " + e.host + ":" + std::to_string(e.port);
    mirror = OpenMemoryRedis(e, v.collection_prefix.empty() ? "mem:" : v.collection_prefix, loaded,
                             error);
  } else if (backend == "milvus") {
    const config::MemoryMilvus m = settings.milvus;
    where = "milvus at " + (m.address.empty() ? std::string("(no address)") : m.address);
    mirror = OpenMemoryMilvus(m, loaded, error);
  } else {
    if (!backend.empty() && backend != "memory") {
      log("memory: backend '" + backend +
          "' is not available in this build (use valkey or milvus); memories are kept in this "
          "router's memory (lost on restart, 1,000 per user)");
    }
    return;
  }
  if (!mirror) {
    log("memory: cannot use " + where + ": " + error +
        "; memories are kept in this router's memory until a restart finds it");
    return;
  }
  const size_t count = loaded.size();
  store->Replace(std::move(loaded));
  std::weak_ptr<MemoryMirror> weak_mirror = mirror;
  store->SetHooks(MemoryStore::Hooks{[weak_mirror](const Memory& m) {
                                       if (auto r = weak_mirror.lock()) r->Put(m);
                                     },
                                     [weak_mirror](const std::string& id) {
                                       if (auto r = weak_mirror.lock()) r->Erase(id);
                                     }});
  std::weak_ptr<MemoryStore> weak_store = store;
  mirror->Watch(
      [weak_store](std::vector<Memory> all) {
        if (auto s = weak_store.lock()) s->Replace(std::move(all));
      },
      services_.log, std::chrono::seconds(1));
  memory_mirror_ = std::move(mirror);
  log("memory: memories kept in " + memory_mirror_->name() + " (" + std::to_string(count) +
      " loaded), shared with every router using it");
}

void PluginRuntime::OpenVectorStore(const config::Config& cfg) {
  const auto& vs = cfg.global.stores.vector_store;
  if (!vs || !vs->enabled) return;
  const auto log = [this](const std::string& line) {
    if (services_.log) services_.log(line);
  };
  vectorstore::ServiceOptions o;
  o.backend_type = vs->backend_type.empty() ? "memory" : vs->backend_type;
  if (o.backend_type == "valkey") {
    const config::VectorStoreValkey v = vs->valkey.value_or(config::VectorStoreValkey{});
    o.redis = ValkeyEndpoint(v.host, v.port, v.database, v.password, v.connect_timeout);
    if (!v.collection_prefix.empty()) o.redis_prefix = v.collection_prefix;
  } else if (o.backend_type == "milvus" && vs->milvus && !vs->milvus->connection.host.empty()) {
    const config::MilvusConnection& c = vs->milvus->connection;
    o.milvus_address = c.host + ":" + std::to_string(c.port > 0 ? c.port : 19530);
  } else if (o.backend_type == "llama_stack" && vs->llama_stack) {
    const config::LlamaStack& ls = *vs->llama_stack;
    vectorstore::LlamaStackOptions l;
    l.endpoint = ls.endpoint;
    l.auth_token = ls.auth_token;
    l.embedding_model = ls.embedding_model;
    l.embedding_dimension = vs->embedding_dimension;
    if (ls.request_timeout_seconds > 0)
      l.timeout = std::chrono::seconds(ls.request_timeout_seconds);
    if (!ls.search_type.empty()) l.search_type = ls.search_type;
    o.llama_stack = std::move(l);
  } else if (o.backend_type != "memory") {
    log("vector store: backend_type '" + o.backend_type +
        "' needs milvus.connection.host; stores are kept in this router's memory (lost on "
        "restart; use memory, valkey to keep them in Redis/Valkey, milvus or llama_stack)");
    o.backend_type = "memory";
  }
  if (vs->metadata_store == "postgres" && vs->metadata_postgres) {
    o.metadata_postgres = postgres::EndpointFrom(*vs->metadata_postgres);
    if (!vs->metadata_postgres->table_name.empty()) {
      o.metadata_table = vs->metadata_postgres->table_name;
    }
  }
  if (!vs->file_storage_dir.empty()) o.file_storage_dir = vs->file_storage_dir;
  if (vs->max_file_size_mb > 0) o.max_file_bytes = static_cast<size_t>(vs->max_file_size_mb) << 20;
  if (vs->ingestion_workers > 0) o.ingestion_workers = vs->ingestion_workers;
  if (vs->memory && vs->memory->max_entries_per_store > 0) {
    o.max_entries_per_store = static_cast<size_t>(vs->memory->max_entries_per_store);
  }
  if (!vs->supported_formats.empty()) {
    o.supported_formats.clear();
    for (const std::string& f : vs->supported_formats) {
      const std::string ext = ToLower(Trim(f));
      if (!ext.empty()) o.supported_formats.push_back(ext.front() == '.' ? ext : "." + ext);
    }
  }
  if (!services_.embed) {
    log("vector store: no embedding model is loaded (see above); files upload, but attaching "
        "and searching fail until one is");
  }
  std::string error;
  services_.vector_store =
      vectorstore::VectorStoreService::Open(o, services_.embed, services_.log, error);
  if (!services_.vector_store) {
    log("vector store: " + error +
        "; the Files and Vector Stores APIs answer 503 until it opens "
        "(restart the router)");
  }
}

std::shared_ptr<vectorstore::VectorStoreService> PluginRuntime::vector_store() {
  std::lock_guard lock(mu_);
  return services_.vector_store;
}

std::shared_ptr<MemoryStore> PluginRuntime::memory_store() {
  std::lock_guard lock(mu_);
  return services_.memory_store;
}

void PluginRuntime::OpenReplayStore(const config::Config& cfg) {
  for (const config::Decision& d : cfg.routing.decisions) {
    if (EffectiveReplayConfig(cfg, d)) {
      services_.replay = replay::OpenStore(cfg.global.services.router_replay, services_.log);
      return;
    }
  }
}

std::optional<signals::ModelRef> SemanticCacheModel(const config::Config& cfg) {
  if (!AnyPlugin<config::SemanticCachePluginConfig>(cfg, kEnabled)) return std::nullopt;
  return signals::EmbeddingModel(cfg, cfg.global.stores.semantic_cache.embedding_model,
                                 "global.stores.semantic_cache.embedding_model");
}

std::optional<signals::ModelRef> PluginEmbeddingModel(const config::Config& cfg) {
  if (auto cache = SemanticCacheModel(cfg)) return cache;
  if (const auto& vs = cfg.global.stores.vector_store; vs && vs->enabled) {
    return signals::EmbeddingModel(cfg, vs->embedding_model,
                                   "global.stores.vector_store.embedding_model");
  }
  const auto searches_by_vector = [&cfg](const config::RagPluginConfig& r) {
    std::string error;
    const std::optional<RagBackends> backends =
        r.enabled ? MakeRagBackends(r, cfg, error) : std::nullopt;
    return backends && backends->needs_embedding();
  };
  if (SelectsTools(cfg) || RemembersUsers(cfg) ||
      AnyPlugin<config::RagPluginConfig>(cfg, searches_by_vector)) {
    return signals::EmbeddingModel(cfg);
  }
  return std::nullopt;
}

std::vector<signals::ModelRef> PluginModels(const config::Config& cfg) {
  std::vector<signals::ModelRef> out;
  if (auto model = PluginEmbeddingModel(cfg)) out.push_back(*model);
  using config::HallucinationPluginConfig;
  const bool jailbreak = AnyPlugin<config::ResponseJailbreakPluginConfig>(cfg, kEnabled);
  const bool detector = AnyPlugin<HallucinationPluginConfig>(cfg, kEnabled);
  const bool nli = AnyPlugin<HallucinationPluginConfig>(
      cfg, [](const auto& h) { return h.enabled && h.use_nli; });
  if (jailbreak) out.push_back(signals::ClassifierModel(cfg, signals::Family::kJailbreak));
  if (detector) out.push_back(signals::HallucinationDetectorModel(cfg));
  if (nli) out.push_back(signals::HallucinationExplainerModel(cfg));
  return out;
}

void PluginRuntime::OpenSemanticCache(const config::Config& cfg) {
  const std::optional<signals::ModelRef> model = SemanticCacheModel(cfg);
  if (!model) return;
  const config::SemanticCacheStore& store = cfg.global.stores.semantic_cache;
  cache::CacheOptions options;
  options.max_entries = static_cast<size_t>(std::max(1, store.max_entries));
  options.eviction_policy = store.eviction_policy;
  options.ttl_seconds = store.ttl_seconds;
  services_.semantic_cache = std::make_shared<cache::SemanticCache>(options);
  if (!services_.embed) {
    OpenEmbeddingModel(*model,
                       "until then the semantic cache answers repeated questions (exact match) "
                       "only");
  }
  if (auto sharing = CacheSharing(store, services_.semantic_cache.get(), embedding_dimension_,
                                  services_.log)) {
    services_.semantic_cache->SetReplication(std::move(sharing));
  }
}

void PluginRuntime::OpenEmbeddingModel(const signals::ModelRef& ref,
                                       const std::string& without_it) {
  std::string error;
  std::shared_ptr<const ml::Embedder> embedder =
      signals::LoadEmbedder(ref, *services_.models, error);
  if (!embedder) {
    if (services_.log) services_.log(error + "; " + without_it);
    return;
  }
  embedding_ = ref.name + " (" + ref.path + ", " + std::to_string(embedder->dimension()) + "-d)";
  embedding_dimension_ = static_cast<int>(embedder->dimension());
  services_.embed = [embedder](const std::string& text) { return embedder->Embed(text); };
  StartBatcher(
      [embedder](const std::vector<std::string>& texts) { return embedder->EmbedBatch(texts); });
}

std::shared_ptr<cache::SemanticCache> PluginRuntime::semantic_cache() {
  std::lock_guard lock(mu_);
  return services_.semantic_cache;
}

std::function<std::vector<float>(const std::string&)> PluginRuntime::embed() {
  std::lock_guard lock(mu_);
  return services_.embed;
}

EmbedAsync PluginRuntime::embed_async() {
  std::lock_guard lock(mu_);
  return services_.embed_async;
}

std::string PluginRuntime::embedding_model() {
  std::lock_guard lock(mu_);
  return embedding_;
}

std::shared_ptr<replay::ReplayStore> PluginRuntime::replay_store() {
  std::lock_guard lock(mu_);
  return services_.replay;
}

}  // namespace vsr::plugins
