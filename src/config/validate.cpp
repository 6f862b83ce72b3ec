// Entry point of the semantic validator, shared helpers, and the provider/model checks.
#include "config/validate.h"

#include <re2/re2.h>

#include <map>

#include "common/duration.h"
#include "common/strings.h"
#include "config/validate_internal.h"

namespace vsr::config {
namespace validate_detail {

const std::vector<LeafFamily>& LeafFamilies() {
  static const std::vector<LeafFamily> kFamilies = {{"keyword", "keywords"},
                                                    {"embedding", "embeddings"},
                                                    {"domain", "domains"},
                                                    {"fact_check", "fact_check"},
                                                    {"user_feedback", "user_feedbacks"},
                                                    {"reask", "reasks"},
                                                    {"preference", "preferences"},
                                                    {"language", "language"},
                                                    {"context", "context"},
                                                    {"structure", "structure"},
                                                    {"complexity", "complexity"},
                                                    {"modality", "modality"},
                                                    {"authz", "role_bindings"},
                                                    {"jailbreak", "jailbreak"},
                                                    {"pii", "pii"},
                                                    {"kb", "kb"},
                                                    {"conversation", "conversation"},
                                                    {"session_metric", "session_metrics"},
                                                    {"session", "session_metrics"},
                                                    {"lookup", "session_metrics"},
                                                    {"projection", "projections"}};
  return kFamilies;
}

const LeafFamily* FindLeafFamily(std::string_view type) {
  const std::string lowered = ToLower(Trim(type));
  for (const LeafFamily& f : LeafFamilies()) {
    if (lowered == f.type) return &f;
  }
  return nullptr;
}

namespace {
template <class T>
void AddNames(std::set<std::string>& out, const std::vector<T>& items) {
  for (const T& item : items) out.insert(item.name);
}
}  // namespace

std::set<std::string> DeclaredNames(const Config& cfg, std::string_view leaf_type) {
  const Signals& s = cfg.routing.signals;
  std::set<std::string> out;
  const std::string t = ToLower(leaf_type);
  if (t == "keyword") AddNames(out, s.keywords);
  if (t == "embedding") AddNames(out, s.embeddings);
  if (t == "domain") AddNames(out, s.domains);
  if (t == "fact_check") AddNames(out, s.fact_check);
  if (t == "user_feedback") AddNames(out, s.user_feedbacks);
  if (t == "reask") AddNames(out, s.reasks);
  if (t == "preference") AddNames(out, s.preferences);
  if (t == "language") AddNames(out, s.language);
  if (t == "context") AddNames(out, s.context);
  if (t == "structure") AddNames(out, s.structure);
  if (t == "modality") AddNames(out, s.modality);
  if (t == "jailbreak") AddNames(out, s.jailbreak);
  if (t == "pii") AddNames(out, s.pii);
  if (t == "kb") AddNames(out, s.kb);
  if (t == "conversation") AddNames(out, s.conversation);
  if (t == "session_metric" || t == "session" || t == "lookup") AddNames(out, s.session_metrics);
  if (t == "authz") {
    for (const RoleBinding& b : s.role_bindings) {
      out.insert(b.name);
      if (!b.role.empty()) out.insert(b.role);
    }
  }
  if (t == "complexity") {
    // A complexity rule is referenced as name:easy|medium|hard (or its bare name).
    for (const ComplexitySignal& c : s.complexity) {
      out.insert(c.name);
      for (const char* level : {"easy", "medium", "hard"}) out.insert(c.name + ":" + level);
    }
  }
  if (t == "projection") {
    for (const ProjectionMapping& m : cfg.routing.projections.mappings) {
      for (const ProjectionOutput& o : m.outputs) out.insert(o.name);
    }
  }
  return out;
}

void CheckUnique(DecodeContext& ctx, const std::vector<std::string>& names,
                 const std::vector<std::string>& paths, std::string_view what,
                 std::string_view noun) {
  std::map<std::string, size_t> first;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) continue;
    auto [it, inserted] = first.emplace(names[i], i);
    if (inserted) continue;
    const SourceMark earlier = ctx.MarkFor(paths[it->second]);
    ctx.Error(
        paths[i],
        "duplicate " + std::string(what) + " " + std::string(noun) + " '" + names[i] + "'",
        "it is already used at line " + std::to_string(earlier.line) + "; rename one of them");
  }
}

void CheckPredicate(DecodeContext& ctx, const NumericPredicate& p, const std::string& path) {
  if (p.empty()) {
    ctx.Error(path, "predicate sets no comparator", "set at least one of gt, gte, lt, lte");
  }
  if (p.gt && p.gte) ctx.Error(path, "predicate sets both gt and gte", "keep one of them");
  if (p.lt && p.lte) ctx.Error(path, "predicate sets both lt and lte", "keep one of them");
}

void CheckRegex(DecodeContext& ctx, const std::string& pattern, const std::string& path) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(pattern, options);
  if (re.ok()) return;
  ctx.Error(path, "invalid regular expression: " + re.error(),
            "fix the pattern (RE2 syntax: no backreferences or lookaround)");
}

namespace {

bool ModelOrLoraExists(const Config& cfg, const std::string& name) {
  for (const ModelCard& card : cfg.routing.model_cards) {
    if (card.name == name) return true;
    for (const LoraAdapter& lora : card.loras) {
      if (lora.name == name) return true;
    }
  }
  return false;
}

// host:port, [v6]:port or host; rejects schemes/paths (those belong in base_url).
std::optional<Problem> CheckEndpoint(const std::string& endpoint) {
  const std::string_view e = Trim(endpoint);
  if (e.find("://") != std::string_view::npos || e.find('/') != std::string_view::npos) {
    return Problem{"endpoint '" + endpoint + "' must be host:port without a scheme or path",
                   "write it as 127.0.0.1:8000, or use base_url for a full URL"};
  }
  std::string_view host = e;
  std::string_view port;
  if (!e.empty() && e.front() == '[') {
    const size_t close = e.find(']');
    if (close == std::string_view::npos)
      return Problem{"unterminated IPv6 address", "write [::1]:8000"};
    host = e.substr(1, close - 1);
    if (close + 1 < e.size()) {
      if (e[close + 1] != ':') return Problem{"expected ':' after ']'", "write [::1]:8000"};
      port = e.substr(close + 2);
    }
  } else if (std::count(e.begin(), e.end(), ':') == 1) {
    const size_t colon = e.find(':');
    host = e.substr(0, colon);
    port = e.substr(colon + 1);
  }
  if (host.empty())
    return Problem{"endpoint host is empty", "write it as host:port, e.g. 127.0.0.1:8000"};
  if (!port.empty()) {
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) {
        return Problem{"endpoint port '" + std::string(port) + "' is not a number",
                       "use a port between 1 and 65535"};
      }
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) {
      return Problem{"endpoint port " + std::string(port) + " is out of range",
                     "use a port between 1 and 65535"};
    }
  }
  return std::nullopt;
}

std::optional<Problem> CheckBaseUrl(const std::string& url) {
  const std::string lowered = ToLower(url);
  const bool http = lowered.rfind("http://", 0) == 0;
  const bool https = lowered.rfind("https://", 0) == 0;
  if (!http && !https) {
    return Problem{"base_url '" + url + "' is not an http(s) URL",
                   "write it as https://host[:port]/path"};
  }
  const std::string rest = url.substr(http ? 7 : 8);
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') {
    return Problem{"base_url '" + url + "' has no host", "write it as https://host[:port]/path"};
  }
  return std::nullopt;
}

void ValidateBackendRefs(const ProviderModel& model, const std::string& path, DecodeContext& ctx) {
  std::vector<std::string> names, paths;
  for (size_t i = 0; i < model.backend_refs.size(); ++i) {
    const BackendRef& ref = model.backend_refs[i];
    const std::string p = IndexPath(KeyPath(path, "backend_refs"), i);
    if (!ref.name.empty()) {
      names.push_back(ref.name);
      paths.push_back(KeyPath(p, "name"));
    }
    if (Trim(ref.endpoint).empty() && Trim(ref.base_url).empty()) {
      ctx.Error(p, "backend_ref has neither endpoint nor base_url",
                "add 'endpoint: host:port' or 'base_url: https://host/v1'");
    }
    if (!ref.endpoint.empty()) {
      if (std::optional<Problem> pr = CheckEndpoint(ref.endpoint)) {
        ctx.Error(KeyPath(p, "endpoint"), pr->message, pr->hint);
      }
    }
    if (!ref.base_url.empty()) {
      if (std::optional<Problem> pr = CheckBaseUrl(ref.base_url)) {
        ctx.Error(KeyPath(p, "base_url"), pr->message, pr->hint);
      }
    }
    if (!ref.api_key.empty() && !ref.api_key_env.empty()) {
      ctx.Warning(KeyPath(p, "api_key"), "both api_key and api_key_env are set; api_key wins",
                  "keep only api_key_env so the key stays out of the file");
    }
  }
  CheckUnique(ctx, names, paths, "backend_ref");
}

}  // namespace

void ValidateProviders(const Config& cfg, DecodeContext& ctx) {
  CheckUniqueNames(ctx, cfg.listeners, "listeners", "listener");
  {
    std::vector<std::string> ports, paths;
    for (size_t i = 0; i < cfg.listeners.size(); ++i) {
      ports.push_back(std::to_string(cfg.listeners[i].port));
      paths.push_back(KeyPath(IndexPath("listeners", i), "port"));
    }
    CheckUnique(ctx, ports, paths, "listener", "port");
  }
  for (size_t i = 0; i < cfg.listeners.size(); ++i) {
    const std::string& timeout = cfg.listeners[i].timeout;
    if (!timeout.empty() && !ParseGoDuration(timeout)) {
      ctx.Error(KeyPath(IndexPath("listeners", i), "timeout"), "invalid duration '" + timeout + "'",
                "use a Go duration such as 300s or 5m");
    }
  }
  CheckUniqueNames(ctx, cfg.routing.model_cards, "routing.modelCards", "model card");
  for (size_t i = 0; i < cfg.routing.model_cards.size(); ++i) {
    CheckUniqueNames(ctx, cfg.routing.model_cards[i].loras,
                     KeyPath(IndexPath("routing.modelCards", i), "loras"), "LoRA");
  }
  CheckUniqueNames(ctx, cfg.providers.models, "providers.models", "provider model");

  std::vector<std::string> card_names;
  for (const ModelCard& card : cfg.routing.model_cards) card_names.push_back(card.name);

  for (size_t i = 0; i < cfg.providers.models.size(); ++i) {
    const ProviderModel& m = cfg.providers.models[i];
    const std::string path = IndexPath("providers.models", i);
    if (std::find(card_names.begin(), card_names.end(), m.name) == card_names.end()) {
      ctx.Error(KeyPath(path, "name"),
                "provider model '" + m.name + "' has no routing.modelCards entry",
                "add '- name: " + m.name + "' under routing.modelCards");
    }
    if (!m.reasoning_family.empty() &&
        !cfg.providers.defaults.reasoning_families.contains(m.reasoning_family)) {
      std::vector<std::string> families;
      for (const auto& [name, _] : cfg.providers.defaults.reasoning_families)
        families.push_back(name);
      std::optional<std::string> near = ClosestMatch(m.reasoning_family, families);
      ctx.Error(KeyPath(path, "reasoning_family"),
                "unknown reasoning family '" + m.reasoning_family + "'",
                near ? "did you mean '" + *near + "'?"
                     : "declare it under providers.defaults.reasoning_families");
    }
    const bool has_metadata = !m.reasoning_family.empty() || !m.provider_model_id.empty() ||
                              !m.api_format.empty() || !m.external_model_ids.empty() ||
                              !m.pricing.currency.empty() || m.pricing.prompt_per_1m > 0 ||
                              m.pricing.completion_per_1m > 0;
    if (m.backend_refs.empty() && !has_metadata) {
      ctx.Error(path, "provider model '" + m.name + "' has no backend_refs",
                "add backend_refs with an endpoint or base_url");
    }
    ValidateBackendRefs(m, path, ctx);
  }

  const std::string& def = cfg.providers.defaults.default_model;
  if (!def.empty() && !ModelOrLoraExists(cfg, def)) {
    std::optional<std::string> near = ClosestMatch(def, card_names);
    ctx.Error("providers.defaults.default_model",
              "default model '" + def + "' is not declared in routing.modelCards",
              near ? "did you mean '" + *near + "'?" : "declare it under routing.modelCards");
  }
}

}  // namespace validate_detail

void ValidateConfig(const Config& cfg, DecodeContext& ctx) {
  using namespace validate_detail;
  ValidateProviders(cfg, ctx);
  ValidateSignals(cfg, ctx);
  ValidateProjections(cfg, ctx);
  ValidateDecisions(cfg, ctx);
}

}  // namespace vsr::config
