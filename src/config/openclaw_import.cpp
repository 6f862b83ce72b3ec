// OpenClaw -> canonical config. Error texts and merge rules follow upstream's CLI importer
// (cli/config_import.py) word for word, since users search for them.
#include "config/openclaw_import.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>

#include "common/strings.h"
#include "config/migrate.h"

namespace vsr::config {
namespace {

namespace json = boost::json;

// Python's str(value).strip() for the fields upstream reads (strings, numbers; null -> "").
std::string Text(const json::value* v) {
  if (v == nullptr || v->is_null()) return "";
  if (v->is_string()) return std::string(Trim(std::string_view(v->get_string())));
  if (v->is_bool()) return v->get_bool() ? "True" : "False";
  return std::string(Trim(json::serialize(*v)));
}

std::optional<long long> PositiveInt(const json::value* v) {
  if (v == nullptr || v->is_bool()) return std::nullopt;
  long long n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    n = static_cast<long long>(v->get_uint64());
  } else if (v->is_double()) {
    n = static_cast<long long>(v->get_double());
  } else if (v->is_string()) {
    try {
      size_t used = 0;
      const std::string s(Trim(std::string_view(v->get_string())));
      n = std::stoll(s, &used);
      if (used != s.size()) return std::nullopt;
    } catch (...) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  return n > 0 ? std::optional<long long>(n) : std::nullopt;
}

bool Truthy(const json::value* v) {
  if (v == nullptr || v->is_null()) return false;
  if (v->is_bool()) return v->get_bool();
  if (v->is_string()) return !v->get_string().empty();
  if (v->is_int64()) return v->get_int64() != 0;
  if (v->is_uint64()) return v->get_uint64() != 0;
  if (v->is_double()) return v->get_double() != 0;
  if (v->is_array()) return !v->get_array().empty();
  return !v->get_object().empty();
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string YamlText(const YamlNode* n) {
  return n != nullptr && n->IsScalar() ? std::string(Trim(n->scalar)) : std::string();
}

YamlNode& EnsureKind(YamlNode& parent, std::string_view key, YamlNode::Kind kind) {
  YamlNode& v = parent.GetOrAdd(key);
  if (v.kind != kind) v = kind == YamlNode::Kind::kMap ? YamlNode::Map() : YamlNode::Sequence();
  return v;
}

YamlNode* FindNamed(YamlNode& list, const std::string& name) {
  for (YamlNode& item : list.items) {
    if (item.IsMap() && YamlText(item.Find("name")) == name) return &item;
  }
  return nullptr;
}

YamlNode IntNode(long long n) {
  return YamlNode::Scalar(std::to_string(n));
}

YamlNode BackendRef(const OpenClawModel& m) {
  YamlNode ref = YamlNode::Map();
  ref.GetOrAdd("name") = YamlNode::String(m.provider_key);
  ref.GetOrAdd("base_url") = YamlNode::String(Text(m.provider.if_contains("baseUrl")));
  ref.GetOrAdd("provider") = YamlNode::String("openai");
  ref.GetOrAdd("weight") = IntNode(1);
  // "not-needed" is OpenClaw's placeholder for keyless local servers.
  if (const std::string key = Text(m.provider.if_contains("apiKey"));
      !key.empty() && key != "not-needed") {
    ref.GetOrAdd("api_key") = YamlNode::String(key);
    ref.GetOrAdd("auth_header") = YamlNode::String("Authorization");
    ref.GetOrAdd("auth_prefix") = YamlNode::String("Bearer");
  }
  if (const json::value* headers = m.provider.if_contains("headers");
      headers && headers->is_object()) {
    YamlNode extra = YamlNode::Map();
    for (const auto& kv : headers->get_object()) {
      if (kv.value().is_null() || kv.key().empty()) continue;
      extra.GetOrAdd(std::string(kv.key())) =
          YamlNode::String(kv.value().is_string() ? std::string(kv.value().get_string())
                                                  : json::serialize(kv.value()));
    }
    if (!extra.entries.empty()) ref.GetOrAdd("extra_headers") = std::move(extra);
  }
  return ref;
}

YamlNode Capabilities(const json::object& model) {
  std::vector<std::string> inputs;
  if (const json::value* in = model.if_contains("input"); in && in->is_array()) {
    for (const json::value& item : in->get_array()) {
      const std::string s = ToLower(Text(&item));
      if (!s.empty()) inputs.push_back(s);
    }
  }
  auto has = [&](const char* s) {
    return std::find(inputs.begin(), inputs.end(), s) != inputs.end();
  };
  YamlNode caps = YamlNode::Sequence();
  if (inputs.empty() || has("text")) caps.items.push_back(YamlNode::String("chat"));
  if (has("image")) caps.items.push_back(YamlNode::String("vision"));
  if (has("audio")) caps.items.push_back(YamlNode::String("audio"));
  if (Truthy(model.if_contains("reasoning"))) caps.items.push_back(YamlNode::String("reasoning"));
  return caps;
}

YamlNode CatchAllDecision(const std::string& default_model) {
  YamlNode d = YamlNode::Map();
  d.GetOrAdd("name") = YamlNode::String("openclaw-import-default");
  d.GetOrAdd("description") =
      YamlNode::String("Catch-all route bootstrapped from OpenClaw import.");
  d.GetOrAdd("priority") = IntNode(100);
  YamlNode& rules = d.GetOrAdd("rules");
  rules.GetOrAdd("operator") = YamlNode::String("AND");
  rules.GetOrAdd("conditions") = YamlNode::Sequence();
  YamlNode ref = YamlNode::Map();
  ref.GetOrAdd("model") = YamlNode::String(default_model);
  // The router requires use_reasoning on every modelRef (upstream's importer omits it).
  ref.GetOrAdd("use_reasoning") = YamlNode::Scalar("false");
  YamlNode& refs = d.GetOrAdd("modelRefs");
  refs = YamlNode::Sequence();
  refs.items.push_back(std::move(ref));
  return d;
}

void ReplaceStrings(json::value& v, const std::map<std::string, std::string>& replacements) {
  if (v.is_object()) {
    for (auto& kv : v.get_object()) ReplaceStrings(kv.value(), replacements);
  } else if (v.is_array()) {
    for (json::value& item : v.get_array()) ReplaceStrings(item, replacements);
  } else if (v.is_string()) {
    auto it = replacements.find(std::string(v.get_string()));
    if (it != replacements.end()) v = it->second;
  }
}

}  // namespace

std::optional<std::vector<OpenClawModel>> CollectOpenClawModels(const json::object& source,
                                                                std::string& error) {
  const json::value* models_block = source.if_contains("models");
  const json::value* providers = models_block && models_block->is_object()
                                     ? models_block->get_object().if_contains("providers")
                                     : nullptr;
  if (providers == nullptr || !providers->is_object() || providers->get_object().empty()) {
    error =
        "OpenClaw config is missing models.providers. Supported imports require "
        "models.providers.* with OpenAI-compatible endpoints.";
    return std::nullopt;
  }
  std::vector<OpenClawModel> entries;
  std::vector<std::string> unsupported;
  std::vector<std::string> duplicates;
  for (const auto& kv : providers->get_object()) {
    const std::string key(kv.key());
    if (!kv.value().is_object()) {
      error = "OpenClaw provider '" + key + "' must be a JSON object.";
      return std::nullopt;
    }
    const json::object& provider = kv.value().get_object();
    const std::string api = ToLower(Text(provider.if_contains("api")));
    if (!api.empty() && !api.starts_with("openai")) {
      unsupported.push_back(key + " (" + api + ")");
      continue;
    }
    if (Text(provider.if_contains("baseUrl")).empty()) {
      error = "OpenClaw provider '" + key + "' is missing baseUrl.";
      return std::nullopt;
    }
    const json::value* models = provider.if_contains("models");
    if (models == nullptr || models->is_null() ||
        (models->is_array() && models->get_array().empty())) {
      continue;
    }
    if (!models->is_array()) {
      error = "OpenClaw provider '" + key + "'.models must be an array.";
      return std::nullopt;
    }
    std::set<std::string> seen;
    for (const json::value& model : models->get_array()) {
      if (!model.is_object()) {
        error = "OpenClaw provider '" + key + "' contains a non-object model entry.";
        return std::nullopt;
      }
      const std::string id = Text(model.get_object().if_contains("id"));
      if (id.empty()) {
        error = "OpenClaw provider '" + key + "' contains a model without id.";
        return std::nullopt;
      }
      if (!seen.insert(id).second) {
        duplicates.push_back(key + "/" + id);
        continue;
      }
      entries.push_back({key, id, id, provider, model.get_object()});
    }
  }
  if (!unsupported.empty()) {
    error = "Unsupported OpenClaw provider API families: " + Join(unsupported) +
            ". Supported providers must use an OpenAI-compatible api value.";
    return std::nullopt;
  }
  if (!duplicates.empty()) {
    error =
        "OpenClaw config contains duplicate model ids within a provider: " + Join(duplicates) + ".";
    return std::nullopt;
  }
  if (entries.empty()) {
    error = "OpenClaw config contains no importable provider models under models.providers.";
    return std::nullopt;
  }
  std::map<std::string, int> id_counts;
  for (const OpenClawModel& m : entries) ++id_counts[m.source_model_id];
  for (OpenClawModel& m : entries) {
    if (id_counts[m.source_model_id] > 1) m.logical_name = m.provider_key + "/" + m.source_model_id;
  }
  return entries;
}

YamlNode MinimalImportTarget() {
  YamlNode t = YamlNode::Map();
  NormalizeImportTarget(t);
  return t;
}

void NormalizeImportTarget(YamlNode& target) {
  if (!target.IsMap()) target = YamlNode::Map();
  target.GetOrAdd("version") = YamlNode::String("v0.3");
  target.Erase("setup");
  YamlNode& listeners = EnsureKind(target, "listeners", YamlNode::Kind::kSequence);
  if (listeners.items.empty()) listeners.items.push_back(DefaultListener());
  YamlNode& providers = EnsureKind(target, "providers", YamlNode::Kind::kMap);
  EnsureKind(providers, "defaults", YamlNode::Kind::kMap);
  EnsureKind(providers, "models", YamlNode::Kind::kSequence);
  YamlNode& routing = EnsureKind(target, "routing", YamlNode::Kind::kMap);
  EnsureKind(routing, "modelCards", YamlNode::Kind::kSequence);
  EnsureKind(routing, "signals", YamlNode::Kind::kMap);
  EnsureKind(routing, "decisions", YamlNode::Kind::kSequence);
}

void MergeOpenClawModels(YamlNode& target, const std::vector<OpenClawModel>& models) {
  NormalizeImportTarget(target);
  YamlNode& providers = *target.Find("providers");
  YamlNode& routing = *target.Find("routing");
  YamlNode& provider_models = *providers.Find("models");
  YamlNode& cards = *routing.Find("modelCards");
  for (const OpenClawModel& m : models) {
    YamlNode* pm = FindNamed(provider_models, m.logical_name);
    if (pm == nullptr) {
      provider_models.items.push_back(YamlNode::Map());
      pm = &provider_models.items.back();
      pm->GetOrAdd("name") = YamlNode::String(m.logical_name);
    }
    pm->GetOrAdd("provider_model_id") = YamlNode::String(m.source_model_id);
    if (YamlText(pm->Find("api_format")).empty()) {
      pm->GetOrAdd("api_format") = YamlNode::String("openai");
    }
    EnsureKind(*pm, "external_model_ids", YamlNode::Kind::kMap).GetOrAdd("openai") =
        YamlNode::String(m.source_model_id);
    YamlNode& refs = pm->GetOrAdd("backend_refs");
    refs = YamlNode::Sequence();
    refs.items.push_back(BackendRef(m));

    YamlNode* card = FindNamed(cards, m.logical_name);
    if (card == nullptr) {
      cards.items.push_back(YamlNode::Map());
      card = &cards.items.back();
      card->GetOrAdd("name") = YamlNode::String(m.logical_name);
    }
    if (auto window = PositiveInt(m.model.if_contains("contextWindow"))) {
      card->GetOrAdd("context_window_size") = IntNode(*window);
    }
    if (YamlNode caps = Capabilities(m.model); !caps.items.empty()) {
      card->GetOrAdd("capabilities") = std::move(caps);
    }
    if (card->Find("description") == nullptr) {
      card->GetOrAdd("description") =
          YamlNode::String("Imported from OpenClaw provider '" + m.provider_key + "'.");
    }
  }
  YamlNode& defaults = *providers.Find("defaults");
  const std::string current = YamlText(defaults.Find("default_model"));
  if (current.empty() || FindNamed(provider_models, current) == nullptr) {
    defaults.GetOrAdd("default_model") = YamlNode::String(models.front().logical_name);
  }
  YamlNode& decisions = *routing.Find("decisions");
  if (decisions.items.empty()) {
    decisions.items.push_back(CatchAllDecision(YamlText(defaults.Find("default_model"))));
  }
}

std::optional<std::string> ListenerBaseUrl(const YamlNode& target, std::string& error) {
  const YamlNode* listeners = target.Find("listeners");
  if (listeners == nullptr || !listeners->IsSequence() || listeners->items.empty()) {
    error = "Imported config must declare at least one listener before OpenClaw can be rewritten.";
    return std::nullopt;
  }
  const YamlNode& first = listeners->items.front();
  if (!first.IsMap()) {
    error = "The first listener must be a mapping.";
    return std::nullopt;
  }
  int port = kDefaultListenerPort;
  const std::string port_text = YamlText(first.Find("port"));
  if (!port_text.empty() && std::all_of(port_text.begin(), port_text.end(), ::isdigit) &&
      port_text.size() < 6 && std::stoi(port_text) > 0) {
    port = std::stoi(port_text);
  }
  std::string host = YamlText(first.Find("address"));
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") host = "127.0.0.1";
  return "http://" + host + ":" + std::to_string(port) + "/v1";
}

void RewriteOpenClawSource(json::object& source, const std::vector<OpenClawModel>& models,
                           const std::string& base_url) {
  json::object& providers = source["models"].as_object()["providers"].as_object();
  std::map<std::string, std::string> replacements;
  for (const OpenClawModel& m : models) {
    json::value* provider = providers.if_contains(m.provider_key);
    if (provider == nullptr || !provider->is_object()) continue;
    provider->get_object()["baseUrl"] = base_url;
    if (m.logical_name != m.source_model_id) {
      replacements[m.provider_key + "/" + m.source_model_id] =
          m.provider_key + "/" + m.logical_name;
    }
  }
  if (!replacements.empty()) {
    json::value whole = std::move(source);
    ReplaceStrings(whole, replacements);
    source = std::move(whole.as_object());
  }
  // Renamed ids last, so the reference replacement above cannot touch them twice.
  for (const OpenClawModel& m : models) {
    if (m.logical_name == m.source_model_id) continue;
    json::value* provider =
        source["models"].as_object()["providers"].as_object().if_contains(m.provider_key);
    if (provider == nullptr || !provider->is_object()) continue;
    json::value* list = provider->get_object().if_contains("models");
    if (list == nullptr || !list->is_array()) continue;
    for (json::value& entry : list->get_array()) {
      if (entry.is_object() && Text(entry.get_object().if_contains("id")) == m.source_model_id) {
        entry.get_object()["id"] = m.logical_name;
        break;
      }
    }
  }
}

}  // namespace vsr::config
