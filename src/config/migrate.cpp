// Pre-v0.3 flat layout -> canonical v0.3. The order of the steps and the key mapping follow
// upstream's CLI migrator (cli/config_migration.py) so a file migrates the same way with either
// tool; see migrate.h for what we add.
#include "config/migrate.h"

#include <algorithm>
#include <deque>
#include <initializer_list>
#include <span>
#include <string_view>

#include "config/legacy_layout.h"

namespace vsr::config {
namespace {

constexpr std::string_view kCommentPrefix = "migrated: ";

bool IsBlank(const YamlNode* n) {
  return n == nullptr || n->IsNull() || (n->IsScalar() && n->scalar.empty()) ||
         (n->IsMap() && n->entries.empty()) || (n->IsSequence() && n->items.empty());
}

YamlNode MapOrEmpty(const YamlNode* n) {
  return n && n->IsMap() ? *n : YamlNode::Map();
}
YamlNode ListOrEmpty(const YamlNode* n) {
  return n && n->IsSequence() ? *n : YamlNode::Sequence();
}

// The map under `key`, created (or replacing a non-map) when needed. The reference is valid
// until the next entry is added to `parent`.
YamlNode& EnsureMap(YamlNode& parent, std::string_view key) {
  YamlNode& v = parent.GetOrAdd(key);
  if (!v.IsMap()) v = YamlNode::Map();
  return v;
}

// Copies `value` to parent[key] unless the key exists or the value is blank (upstream semantics).
bool SetIfMissing(YamlNode& parent, std::string_view key, const YamlNode* value) {
  if (parent.Find(key) != nullptr || IsBlank(value)) return false;
  parent.GetOrAdd(key) = *value;
  return true;
}

std::string ScalarOr(const YamlNode* n, std::string fallback = "") {
  if (n == nullptr || !n->IsScalar()) return fallback;
  std::string s = n->scalar;
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

bool Contains(std::span<const std::string_view> set, std::string_view key) {
  return std::find(set.begin(), set.end(), key) != set.end();
}
bool Contains(std::initializer_list<std::string_view> set, std::string_view key) {
  return Contains(std::span<const std::string_view>(set.begin(), set.size()), key);
}

// Semantic (model card) fields that older layouts kept on provider models or model_config.
constexpr std::string_view kCardFields[] = {
    "param_size", "context_window_size", "description", "capabilities",
    "loras",      "quality_score",       "modality",    "tags"};

// Plugins that became signals: v0.1/v0.2 configs attach them to most decisions.
struct RetiredPlugin {
  std::string_view type;
  std::string_view advice;
};
constexpr RetiredPlugin kRetiredPlugins[] = {
    {"pii",
     "PII detection is a signal in v0.3: declare routing.signals.pii and reference it "
     "from the decision's rules ({type: pii, name: ...})"},
    {"jailbreak",
     "jailbreak detection is a signal in v0.3: declare routing.signals.jailbreak "
     "and reference it from the decision's rules ({type: jailbreak, name: ...})"},
};

class Migrator {
 public:
  Migrator(const YamlNode& source, MigrationResult& out) : src_(source), out_(out) {}

  void Run(const std::string& source_name) {
    providers_ = MapOrEmpty(src_.Find("providers"));
    routing_ = MapOrEmpty(src_.Find("routing"));
    global_ = NormalizeGlobal(MapOrEmpty(src_.Find("global")));
    CollectModelCards();
    MoveRoutingBlocks();
    MoveFlatSignals();
    MoveProviderDefaults();
    MigrateProviderModels();
    MigrateModelConfig();
    EnsureCardsForReferencedModels();
    MoveTopLevelGlobalBlocks();
    PersistProviders();
    RetireLegacyDecisionFields();
    RetireLegacyGlobalFields();
    Assemble(source_name);
  }

 private:
  // ---- bookkeeping -------------------------------------------------------------------------

  void Moved(YamlNode& node, const std::string& from, const std::string& to) {
    out_.moved.push_back(from + " -> " + to);
    if (node.comment.empty()) node.comment = std::string(kCommentPrefix) + "from " + from;
  }
  void Dropped(const std::string& what, const std::string& why) {
    out_.dropped.push_back(what + ": " + why);
  }
  void DropUnread(const YamlNode& map, const std::string& path,
                  std::initializer_list<std::string_view> read) {
    DropUnread(map, path, std::span<const std::string_view>(read.begin(), read.size()));
  }
  // Reports keys of `map` (found at `path`) that the migration did not read.
  void DropUnread(const YamlNode& map, const std::string& path,
                  std::span<const std::string_view> read) {
    if (!map.IsMap()) return;
    for (const YamlEntry& e : map.entries) {
      if (!Contains(read, e.key) && !Contains(kCardFields, e.key) && !IsBlank(&e.value)) {
        Dropped(path + "." + e.key, "no canonical equivalent");
      }
    }
  }

  YamlNode& Card(const std::string& name) {
    for (YamlNode& c : cards_) {
      if (ScalarOr(c.Find("name")) == name) return c;
    }
    YamlNode& c = cards_.emplace_back(YamlNode::Map());
    c.GetOrAdd("name") = YamlNode::String(name);
    return c;
  }

  static void CopyCardFields(YamlNode& card, const YamlNode& model) {
    for (std::string_view key : kCardFields) SetIfMissing(card, key, model.Find(key));
  }

  // ---- routing -----------------------------------------------------------------------------

  void CollectModelCards() {
    const YamlNode* cards = routing_.Find("modelCards");
    if (IsBlank(cards) && routing_.Find("models") != nullptr) {
      cards = routing_.Find("models");
      out_.moved.emplace_back("routing.models -> routing.modelCards");
    }
    for (const YamlNode& item : ListOrEmpty(cards).items) {
      if (item.IsMap() && !ScalarOr(item.Find("name")).empty()) cards_.push_back(item);
    }
  }

  void MoveRoutingBlocks() {
    for (const char* key : {"signals", "decisions"}) {
      const YamlNode* v = src_.Find(key);
      if (v == nullptr || routing_.Find(key) != nullptr) continue;
      YamlNode& dst = routing_.GetOrAdd(key);
      dst = *v;
      Moved(dst, key, std::string("routing.") + key);
    }
  }

  void MoveFlatSignals() {
    for (const LegacySignalKey& k : LegacySignalKeys()) {
      const YamlNode* v = src_.Find(k.legacy);
      if (v == nullptr || !v->IsSequence() || v->items.empty()) continue;
      YamlNode& signals = EnsureMap(routing_, "signals");
      if (signals.Find(k.canonical) != nullptr) {
        Dropped(k.legacy, std::string("routing.signals.") + k.canonical + " is already set");
        continue;
      }
      YamlNode& dst = signals.GetOrAdd(k.canonical);
      dst = *v;
      Moved(dst, k.legacy, std::string("routing.signals.") + k.canonical);
    }
  }

  // ---- providers ---------------------------------------------------------------------------

  void MoveProviderDefaults() {
    YamlNode defaults = MapOrEmpty(providers_.Find("defaults"));
    for (const char* key : {"default_model", "reasoning_families", "default_reasoning_effort"}) {
      if (SetIfMissing(defaults, key, src_.Find(key))) {
        Moved(*defaults.Find(key), key, std::string("providers.defaults.") + key);
      }
    }
    if (!defaults.entries.empty()) providers_.GetOrAdd("defaults") = std::move(defaults);
  }

  void MigrateProviderModels() {
    for (const YamlNode& model : ListOrEmpty(providers_.Find("models")).items) {
      if (!model.IsMap()) continue;
      const std::string name = ScalarOr(model.Find("name"));
      if (name.empty()) continue;
      NormalizeProviderModel(model, name);
    }
    if (!provider_models_.empty()) return;
    const YamlNode* targets = providers_.Find("model_targets");
    if (targets == nullptr || !targets->IsMap()) return;
    for (const YamlEntry& target : targets->entries) {
      if (target.value.IsMap()) ConvertModelTarget(target.key, target.value);
    }
  }

  // A v0.3-draft provider model that still carried access/endpoints/semantic fields.
  void NormalizeProviderModel(const YamlNode& model, const std::string& name) {
    CopyCardFields(Card(name), model);
    const std::string path = "providers.models[" + name + "]";
    for (std::string_view key : kCardFields) {
      if (model.Find(key))
        out_.moved.push_back(path + "." + std::string(key) + " -> routing.modelCards[" + name +
                             "]");
    }
    YamlNode& pm = provider_models_.emplace_back(YamlNode::Map());
    pm.GetOrAdd("name") = YamlNode::String(name);
    const YamlNode access = MapOrEmpty(model.Find("access"));
    for (const char* key : {"provider_model_id", "pricing", "api_format", "external_model_ids"}) {
      SetIfMissing(pm, key, access.Find(key));
      SetIfMissing(pm, key, model.Find(key));
    }
    SetIfMissing(pm, "reasoning_family", model.Find("reasoning_family"));
    DropUnread(
        model, path,
        {"name", "access", "provider_model_id", "pricing", "api_format", "external_model_ids",
         "reasoning_family", "backend_refs", "endpoints", "access_key"});
    const YamlNode* refs = access.Find("backend_refs");
    if (IsBlank(refs)) refs = model.Find("backend_refs");
    if (!IsBlank(refs) && refs->IsSequence()) {
      pm.GetOrAdd("backend_refs") = *refs;
      return;
    }
    YamlNode migrated = YamlNode::Sequence();
    for (const YamlNode& ep : ListOrEmpty(model.Find("endpoints")).items) {
      if (!ep.IsMap() || IsBlank(ep.Find("endpoint"))) continue;
      YamlNode ref = YamlNode::Map();
      ref.GetOrAdd("name") = YamlNode::String(ScalarOr(ep.Find("name"), "primary"));
      for (const char* key : {"endpoint", "protocol", "weight", "type"}) {
        SetIfMissing(ref, key, ep.Find(key));
      }
      SetIfMissing(ref, "api_key", model.Find("access_key"));
      migrated.items.push_back(std::move(ref));
    }
    if (!migrated.items.empty()) {
      YamlNode& dst = pm.GetOrAdd("backend_refs");
      dst = std::move(migrated);
      Moved(dst, path + ".endpoints", path + ".backend_refs");
    }
  }

  // providers.model_targets + backends + auth_profiles (a short-lived draft layout).
  void ConvertModelTarget(const std::string& name, const YamlNode& target) {
    YamlNode& pm = provider_models_.emplace_back(YamlNode::Map());
    pm.GetOrAdd("name") = YamlNode::String(name);
    for (const char* key : {"provider_model_id", "pricing", "api_format", "external_model_ids"}) {
      SetIfMissing(pm, key, target.Find(key));
    }
    const YamlNode backends = MapOrEmpty(providers_.Find("backends"));
    const YamlNode profiles = MapOrEmpty(providers_.Find("auth_profiles"));
    const YamlNode* profile = profiles.Find(ScalarOr(target.Find("auth_ref")));
    YamlNode refs = YamlNode::Sequence();
    for (const YamlNode& backend_name : ListOrEmpty(target.Find("backend_refs")).items) {
      const YamlNode* backend = backends.Find(ScalarOr(&backend_name));
      if (backend == nullptr || !backend->IsMap()) continue;
      YamlNode ref = YamlNode::Map();
      ref.GetOrAdd("name") = backend_name;
      for (const char* key :
           {"endpoint", "protocol", "weight", "type", "base_url", "provider", "auth_header",
            "auth_prefix", "extra_headers", "api_version", "chat_path"}) {
        SetIfMissing(ref, key, backend->Find(key));
      }
      if (profile != nullptr && profile->IsMap()) {
        SetIfMissing(ref, "api_key", profile->Find("api_key"));
        SetIfMissing(ref, "api_key_env", profile->Find("api_key_env"));
      }
      refs.items.push_back(std::move(ref));
    }
    if (!refs.items.empty()) pm.GetOrAdd("backend_refs") = std::move(refs);
    Moved(pm, "providers.model_targets." + name, "providers.models[" + name + "]");
  }

  YamlNode* ProviderModel(const std::string& name) {
    for (YamlNode& pm : provider_models_) {
      if (ScalarOr(pm.Find("name")) == name) return &pm;
    }
    return nullptr;
  }

  // vllm_endpoints (+ provider_profiles) by name, as backend_refs entries.
  std::deque<YamlNode> LegacyBackendCatalog() {
    std::deque<YamlNode> catalog;
    const YamlNode profiles = MapOrEmpty(src_.Find("provider_profiles"));
    for (const YamlNode& ep : ListOrEmpty(src_.Find("vllm_endpoints")).items) {
      const std::string name = ScalarOr(ep.Find("name"));
      if (!ep.IsMap() || name.empty()) continue;
      YamlNode ref = YamlNode::Map();
      ref.GetOrAdd("name") = YamlNode::String(name);
      const YamlNode* profile = profiles.Find(ScalarOr(ep.Find("provider_profile")));
      if (profile != nullptr && profile->IsMap()) {
        for (const char* key : {"base_url", "type", "auth_header", "auth_prefix", "extra_headers",
                                "api_version", "chat_path"}) {
          SetIfMissing(ref, std::string_view(key) == "type" ? "provider" : key, profile->Find(key));
        }
      }
      if (const std::string address = ScalarOr(ep.Find("address")); !address.empty()) {
        const std::string port = ScalarOr(ep.Find("port"));
        const bool numeric_port =
            !port.empty() && port != "0" && std::all_of(port.begin(), port.end(), ::isdigit);
        const YamlNode endpoint = YamlNode::String(numeric_port ? address + ":" + port : address);
        SetIfMissing(ref, "endpoint", &endpoint);
      }
      for (const char* key : {"protocol", "weight", "type", "api_key", "api_key_env"}) {
        SetIfMissing(ref, key, ep.Find(key));
      }
      DropUnread(ep, "vllm_endpoints[" + name + "]",
                 {"name", "address", "port", "provider_profile", "protocol", "weight", "type",
                  "api_key", "api_key_env"});
      catalog.push_back(std::move(ref));
    }
    return catalog;
  }

  // model_config: {name: {model_id, preferred_endpoints, reasoning_family, ...}} -> a model card
  // plus a provider model whose backend_refs are the preferred vllm_endpoints.
  void MigrateModelConfig() {
    const YamlNode* config = src_.Find("model_config");
    if (config == nullptr || !config->IsMap()) return;
    std::deque<YamlNode> catalog = LegacyBackendCatalog();
    std::vector<std::string> used_endpoints;
    for (const YamlEntry& entry : config->entries) {
      if (!entry.value.IsMap()) continue;
      const std::string& name = entry.key;
      const YamlNode& raw = entry.value;
      CopyCardFields(Card(name), raw);
      YamlNode* pm = ProviderModel(name);
      if (pm == nullptr) {
        pm = &provider_models_.emplace_back(YamlNode::Map());
        pm->GetOrAdd("name") = YamlNode::String(name);
      }
      SetIfMissing(*pm, "provider_model_id", raw.Find("model_id"));
      for (const char* key : {"pricing", "api_format", "external_model_ids", "reasoning_family"}) {
        SetIfMissing(*pm, key, raw.Find(key));
      }
      DropUnread(raw, "model_config[" + name + "]",
                 {"model_id", "pricing", "api_format", "external_model_ids", "reasoning_family",
                  "preferred_endpoints", "access_key"});
      std::string from = "model_config[" + name + "]";
      if (pm->Find("backend_refs") == nullptr) {
        std::string endpoint_names;
        YamlNode refs = YamlNode::Sequence();
        for (const YamlNode& ep_name : ListOrEmpty(raw.Find("preferred_endpoints")).items) {
          const std::string wanted = ScalarOr(&ep_name);
          auto it = std::find_if(catalog.begin(), catalog.end(), [&](const YamlNode& ref) {
            return ScalarOr(ref.Find("name")) == wanted;
          });
          if (it == catalog.end()) {
            Dropped(from + ".preferred_endpoints[" + wanted + "]",
                    "no vllm_endpoints entry has this name");
            continue;
          }
          YamlNode ref = *it;
          SetIfMissing(ref, "api_key", raw.Find("access_key"));
          refs.items.push_back(std::move(ref));
          used_endpoints.push_back(wanted);
          endpoint_names += (endpoint_names.empty() ? "" : ", ") + wanted;
        }
        if (!refs.items.empty()) {
          pm->GetOrAdd("backend_refs") = std::move(refs);
          from += " and vllm_endpoints[" + endpoint_names + "]";
        }
      }
      Moved(*pm, from, "providers.models[" + name + "] and routing.modelCards[" + name + "]");
    }
    for (const YamlNode& ref : catalog) {
      const std::string name = ScalarOr(ref.Find("name"));
      if (std::find(used_endpoints.begin(), used_endpoints.end(), name) == used_endpoints.end()) {
        Dropped("vllm_endpoints[" + name + "]",
                "no model_config entry lists it in preferred_endpoints");
      }
    }
  }

  void EnsureCardsForReferencedModels() {
    const YamlNode* defaults = providers_.Find("defaults");
    std::string default_model = ScalarOr(defaults ? defaults->Find("default_model") : nullptr);
    if (default_model.empty()) default_model = ScalarOr(providers_.Find("default_model"));
    if (!default_model.empty()) Card(default_model);
    for (const YamlNode& pm : provider_models_) Card(ScalarOr(pm.Find("name")));
  }

  void PersistProviders() {
    YamlNode defaults = MapOrEmpty(providers_.Find("defaults"));
    for (const char* key : {"default_model", "reasoning_families", "default_reasoning_effort"}) {
      if (SetIfMissing(defaults, key, providers_.Find(key))) {
        Moved(*defaults.Find(key), std::string("providers.") + key,
              std::string("providers.defaults.") + key);
      }
    }
    YamlNode rebuilt = YamlNode::Map();
    if (!defaults.entries.empty()) rebuilt.GetOrAdd("defaults") = std::move(defaults);
    if (!provider_models_.empty()) {
      YamlNode& models = rebuilt.GetOrAdd("models");
      models = YamlNode::Sequence();
      models.items.assign(provider_models_.begin(), provider_models_.end());
    }
    for (YamlEntry& e : providers_.entries) {
      if (Contains({"defaults", "models", "backends", "auth_profiles", "model_targets",
                    "default_model", "reasoning_families", "default_reasoning_effort"},
                   e.key)) {
        continue;
      }
      rebuilt.GetOrAdd(e.key) = std::move(e.value);
    }
    providers_ = std::move(rebuilt);
  }

  // ---- global ------------------------------------------------------------------------------

  // Places one legacy block under global; returns false when it has no canonical home.
  bool PlaceGlobal(YamlNode& g, const std::string& key, const YamlNode& value,
                   const std::string& from) {
    auto put = [&](std::initializer_list<std::string_view> path, const YamlNode& v,
                   const std::string& from_path) {
      YamlNode* node = &g;
      const std::string_view* last = path.end() - 1;
      std::string to = "global";
      for (const std::string_view* p = path.begin(); p != last; ++p) {
        node = &EnsureMap(*node, *p);
        to += "." + std::string(*p);
      }
      to += "." + std::string(*last);
      if (node->Find(*last) != nullptr) {
        Dropped(from_path, to + " is already set");
        return;
      }
      YamlNode& dst = node->GetOrAdd(*last);
      dst = v;
      Moved(dst, from_path, to);
    };
    auto with_ref = [](const YamlNode& v, const char* ref) {
      YamlNode copy = v.IsMap() ? v : YamlNode::Map();
      if (copy.Find("model_id") && !copy.Find("model_ref")) {
        copy.GetOrAdd("model_ref") = YamlNode::String(ref);
      }
      return copy;
    };
    if (IsBlank(&value)) return true;
    if (Contains({"strategy", "auto_model_name", "include_config_models_in_list",
                  "clear_route_cache", "model_selection"},
                 key)) {
      put({"router", key}, value, from);
    } else if (key == "streamed_body_mode") {
      put({"router", "streamed_body", "enabled"}, value, from);
    } else if (key == "max_streamed_body_bytes") {
      put({"router", "streamed_body", "max_bytes"}, value, from);
    } else if (key == "streamed_body_timeout_sec") {
      put({"router", "streamed_body", "timeout_sec"}, value, from);
    } else if (Contains(
                   {"response_api", "router_replay", "api", "observability", "authz", "ratelimit"},
                   key)) {
      put({"services", key}, value, from);
    } else if (Contains({"semantic_cache", "memory", "vector_store"}, key)) {
      put({"stores", key}, value, from);
    } else if (Contains({"tools", "looper"}, key)) {
      put({"integrations", key}, value, from);
    } else if (key == "system_models") {
      put({"model_catalog", "system"}, value, from);
    } else if (key == "external_models") {
      put({"model_catalog", "external"}, value, from);
    } else if (key == "embedding_models") {
      put({"model_catalog", "embeddings", "semantic"}, value, from);
    } else if (key == "bert_model") {
      PlaceBertModel(g, value, from);
    } else if (Contains({"prompt_compression", "modality_detector"}, key)) {
      put({"model_catalog", "modules", key}, value, from);
    } else if (key == "prompt_guard") {
      put({"model_catalog", "modules", "prompt_guard"}, with_ref(value, "prompt_guard"), from);
    } else if (key == "feedback_detector") {
      put({"model_catalog", "modules", "feedback_detector"}, with_ref(value, "feedback_detector"),
          from);
    } else if (key == "classifier" || key == "hallucination_mitigation") {
      // Sub-blocks renamed one by one; model blocks gain the model_ref upstream now expects.
      struct Sub {
        const char* legacy;
        const char* canonical;
        const char* ref;
      };
      static constexpr Sub kClassifier[] = {{"category_model", "domain", "domain_classifier"},
                                            {"pii_model", "pii", "pii_classifier"},
                                            {"mcp_category_model", "mcp", nullptr},
                                            {"preference_model", "preference", nullptr}};
      static constexpr Sub kHallucination[] = {
          {"fact_check_model", "fact_check", "fact_check_classifier"},
          {"hallucination_model", "detector", "hallucination_detector"},
          {"nli_model", "explainer", "hallucination_explainer"},
          {"enabled", "enabled", nullptr},
          {"on_hallucination_detected", "on_hallucination_detected", nullptr}};
      const bool classifier = key == "classifier";
      const std::span<const Sub> subs =
          classifier ? std::span<const Sub>(kClassifier) : std::span<const Sub>(kHallucination);
      const YamlNode block = MapOrEmpty(&value);
      std::vector<std::string_view> read;
      for (const Sub& sub : subs) {
        read.push_back(sub.legacy);
        const YamlNode* v = block.Find(sub.legacy);
        if (v == nullptr || v->IsNull()) continue;
        put({"model_catalog", "modules", classifier ? "classifier" : "hallucination_mitigation",
             sub.canonical},
            sub.ref ? with_ref(*v, sub.ref) : *v, from + "." + sub.legacy);
      }
      DropUnread(block, from, read);
    } else {
      return false;
    }
    return true;
  }

  void PlaceBertModel(YamlNode& g, const YamlNode& value, const std::string& from) {
    YamlNode& semantic =
        EnsureMap(EnsureMap(EnsureMap(g, "model_catalog"), "embeddings"), "semantic");
    const YamlNode bert = MapOrEmpty(&value);
    if (semantic.Find("bert_model_path") == nullptr && bert.Find("model_id")) {
      semantic.GetOrAdd("bert_model_path") = *bert.Find("model_id");
    }
    if (semantic.Find("use_cpu") == nullptr && bert.Find("use_cpu")) {
      semantic.GetOrAdd("use_cpu") = *bert.Find("use_cpu");
    }
    if (const YamlNode* threshold = bert.Find("threshold")) {
      SetIfMissing(EnsureMap(semantic, "embedding_config"), "min_score_threshold", threshold);
    }
    Moved(semantic, from, "global.model_catalog.embeddings.semantic");
    DropUnread(bert, from, {"model_id", "use_cpu", "threshold"});
  }

  // A `global:` block of a draft layout: runtime/models/modules sub-blocks flattened.
  YamlNode NormalizeGlobal(YamlNode g) {
    if (g.entries.empty()) return g;
    const YamlNode original = g;
    YamlNode runtime = MapOrEmpty(g.Find("runtime"));
    YamlNode models = MapOrEmpty(g.Find("models"));
    YamlNode modules = MapOrEmpty(g.Find("modules"));
    g.Erase("runtime");
    g.Erase("models");
    g.Erase("modules");
    auto place_all = [&](const YamlNode& block, const std::string& path) {
      for (const YamlEntry& e : block.entries) {
        if (!PlaceGlobal(g, e.key, e.value, path + "." + e.key)) {
          Dropped(path + "." + e.key, "no canonical equivalent");
        }
      }
    };
    if (!runtime.entries.empty()) {
      place_all(MapOrEmpty(runtime.Find("router")), "global.runtime.router");
      runtime.Erase("router");
      place_all(runtime, "global.runtime");
    }
    if (const YamlNode* semantic = MapOrEmpty(models.Find("embeddings")).Find("semantic")) {
      PlaceGlobal(g, "embedding_models", *semantic, "global.models.embeddings.semantic");
    }
    if (const YamlNode* system = models.Find("system")) {
      PlaceGlobal(g, "system_models", *system, "global.models.system");
    }
    if (const YamlNode* external = models.Find("external")) {
      PlaceGlobal(g, "external_models", *external, "global.models.external");
    }
    place_all(modules, "global.modules");
    for (const YamlEntry& e : original.entries) {
      if (Contains({"router", "services", "stores", "integrations", "model_catalog", "runtime",
                    "models", "modules"},
                   e.key)) {
        continue;
      }
      if (PlaceGlobal(g, e.key, e.value, "global." + e.key)) g.Erase(e.key);
    }
    return g;
  }

  void MoveTopLevelGlobalBlocks() {
    if (const YamlNode* external = providers_.Find("external_models")) {
      PlaceGlobal(global_, "external_models", *external, "providers.external_models");
      providers_.Erase("external_models");
    }
    for (const YamlEntry& e : src_.entries) {
      const std::string& key = e.key;
      if (Contains(
              {"version", "listeners", "providers", "routing", "global", "setup", "mom_registry",
               "signals", "decisions", "default_model", "reasoning_families",
               "default_reasoning_effort", "model_config", "vllm_endpoints", "provider_profiles"},
              key) ||
          std::any_of(LegacySignalKeys().begin(), LegacySignalKeys().end(),
                      [&](const LegacySignalKey& k) { return key == k.legacy; })) {
        continue;
      }
      if (!PlaceGlobal(global_, key, e.value, key)) {
        Dropped(key, "no canonical equivalent");
      }
    }
  }

  // ---- decisions ---------------------------------------------------------------------------

  // Plugins that no longer exist, and modelRefs without the now-required use_reasoning.
  void RetireLegacyDecisionFields() {
    YamlNode* decisions = routing_.Find("decisions");
    if (decisions == nullptr || !decisions->IsSequence()) return;
    std::vector<std::vector<std::string>> retired_in(std::size(kRetiredPlugins));
    for (YamlNode& decision : decisions->items) {
      if (!decision.IsMap()) continue;
      const std::string name = ScalarOr(decision.Find("name"));
      if (YamlNode* plugins = decision.Find("plugins"); plugins && plugins->IsSequence()) {
        std::vector<YamlNode> kept;
        for (YamlNode& plugin : plugins->items) {
          const std::string type = ScalarOr(plugin.Find("type"));
          const auto* retired =
              std::find_if(std::begin(kRetiredPlugins), std::end(kRetiredPlugins),
                           [&](const RetiredPlugin& r) { return r.type == type; });
          if (retired == std::end(kRetiredPlugins)) {
            kept.push_back(std::move(plugin));
            continue;
          }
          retired_in[static_cast<size_t>(retired - std::begin(kRetiredPlugins))].push_back(name);
          if (!decision.comment.empty()) decision.comment += "\n";
          decision.comment += std::string(kCommentPrefix) + "removed plugin `" + type +
                              "` (see the note at the top of the file)";
        }
        plugins->items = std::move(kept);
        if (plugins->items.empty()) decision.Erase("plugins");
      }
      if (YamlNode* refs = decision.Find("modelRefs"); refs && refs->IsSequence()) {
        for (YamlNode& ref : refs->items) {
          if (!ref.IsMap() || ref.Find("use_reasoning") != nullptr) continue;
          ref.GetOrAdd("use_reasoning") = YamlNode::Scalar("false");
          out_.moved.push_back("routing.decisions[" + name + "].modelRefs[" +
                               ScalarOr(ref.Find("model")) +
                               "].use_reasoning: set to false (required in v0.3; the old default)");
        }
      }
    }
    for (size_t i = 0; i < retired_in.size(); ++i) {
      if (retired_in[i].empty()) continue;
      std::string names;
      for (const std::string& n : retired_in[i]) names += (names.empty() ? "" : ", ") + n;
      Dropped("plugin `" + std::string(kRetiredPlugins[i].type) + "` in " +
                  std::to_string(retired_in[i].size()) + " decision(s) (" + names + ")",
              std::string(kRetiredPlugins[i].advice));
    }
  }

  // Nested global fields that were renamed or retired after the flat layout.
  void RetireLegacyGlobalFields() {
    YamlNode* catalog = global_.Find("model_catalog");
    YamlNode* embeddings = catalog ? catalog->Find("embeddings") : nullptr;
    if (YamlNode* semantic = embeddings ? embeddings->Find("semantic") : nullptr;
        semantic && semantic->IsMap()) {
      if (const YamlNode* hnsw = semantic->Find("hnsw_config")) {
        const YamlNode moved = *hnsw;
        semantic->Erase("hnsw_config");
        if (SetIfMissing(*semantic, "embedding_config", &moved)) {
          Moved(*semantic->Find("embedding_config"),
                "global.model_catalog.embeddings.semantic.hnsw_config",
                "global.model_catalog.embeddings.semantic.embedding_config");
        }
      }
    }
    YamlNode* stores = global_.Find("stores");
    if (YamlNode* cache = stores ? stores->Find("semantic_cache") : nullptr;
        cache && cache->IsMap()) {
      for (const char* key : {"use_hnsw", "hnsw_m", "hnsw_ef_construction", "max_memory_entries",
                              "backend_config_path"}) {
        if (cache->Erase(key)) {
          Dropped(std::string("semantic_cache.") + key,
                  "the in-memory cache index is no longer configured in v0.3");
        }
      }
    }
  }

  // ---- output ------------------------------------------------------------------------------

  void Assemble(const std::string& source_name) {
    YamlNode& root = out_.canonical;
    root = YamlNode::Map();
    YamlNode& version = root.GetOrAdd("version");
    version = YamlNode::String("v0.3");
    version.comment = "Canonical v0.3 configuration written by `vllm-sr config migrate` from " +
                      source_name + ".\nComments starting with \"" + std::string(kCommentPrefix) +
                      "\" say where a block came from.";
    if (!out_.dropped.empty()) {
      version.comment += "\nNot carried over:";
      for (const std::string& d : out_.dropped) version.comment += "\n  - " + d;
    }
    YamlNode& listeners = root.GetOrAdd("listeners");
    listeners = ListOrEmpty(src_.Find("listeners"));
    if (listeners.items.empty()) {
      // The flat layout kept listeners in Envoy's file; without one `serve` has nowhere to listen.
      YamlNode l = DefaultListener();
      l.comment = std::string(kCommentPrefix) +
                  "the old file declared no listener; this is the default one";
      listeners.items.push_back(std::move(l));
    }
    root.GetOrAdd("providers") = std::move(providers_);
    YamlNode routing = YamlNode::Map();
    if (!cards_.empty()) {
      YamlNode& cards = routing.GetOrAdd("modelCards");
      cards = YamlNode::Sequence();
      cards.items.assign(cards_.begin(), cards_.end());
    }
    // Reading order: what models exist, what is observed, then what is decided.
    for (const char* key : {"signals", "projections", "session_states", "decisions"}) {
      if (YamlNode* v = routing_.Find(key)) routing.GetOrAdd(key) = std::move(*v);
    }
    for (YamlEntry& e : routing_.entries) {
      if (routing.Find(e.key) == nullptr && e.key != "models") {
        routing.GetOrAdd(e.key) = std::move(e.value);
      }
    }
    root.GetOrAdd("routing") = std::move(routing);
    if (!global_.entries.empty()) root.GetOrAdd("global") = std::move(global_);
    if (const YamlNode* setup = src_.Find("setup")) root.GetOrAdd("setup") = *setup;
    if (const YamlNode* reg = src_.Find("mom_registry")) root.GetOrAdd("mom_registry") = *reg;
  }

  const YamlNode& src_;
  MigrationResult& out_;
  YamlNode providers_;
  YamlNode routing_;
  YamlNode global_;
  std::deque<YamlNode> cards_;  // deque: references stay valid as cards are added
  std::deque<YamlNode> provider_models_;
};

}  // namespace

YamlNode DefaultListener() {
  YamlNode l = YamlNode::Map();
  l.GetOrAdd("name") = YamlNode::String("http-" + std::to_string(kDefaultListenerPort));
  l.GetOrAdd("address") = YamlNode::String("0.0.0.0");
  l.GetOrAdd("port") = YamlNode::Scalar(std::to_string(kDefaultListenerPort));
  l.GetOrAdd("timeout") = YamlNode::String("300s");
  return l;
}

MigrationResult MigrateLegacyConfig(const YamlNode& source, const std::string& source_name) {
  MigrationResult result;
  const YamlNode root = source.IsMap() ? source : YamlNode::Map();
  Migrator(root, result).Run(source_name);
  return result;
}

}  // namespace vsr::config
