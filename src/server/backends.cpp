#include "server/backends.h"

#include <cstdlib>

#include "common/strings.h"

namespace vsr::server {

namespace {

struct ProviderTypeDefaults {
  std::string_view auth_header;
  std::string_view auth_prefix;
  std::string_view chat_path;  // appended to base_url's path
};

// Upstream's provider type registry (config/helper.go).
ProviderTypeDefaults DefaultsFor(std::string_view type) {
  if (type == "anthropic") return {"x-api-key", "", "/v1/messages"};
  if (type == "azure-openai") return {"api-key", "", "/chat/completions"};
  if (type == "minimax") return {"Authorization", "Bearer", "/v1/chat/completions"};
  return {"Authorization", "Bearer", "/chat/completions"};  // openai, bedrock, gemini, vertex-ai
}

bool SplitHostPort(std::string_view authority, std::string_view default_port, std::string& host,
                   std::string& port) {
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    host = std::string(authority.substr(0, colon));
    port = std::string(authority.substr(colon + 1));
  } else {
    host = std::string(authority);
    port = std::string(default_port);
  }
  return !host.empty() && !port.empty() && port.size() <= 5 &&
         port.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

const config::ProviderModel* FindProviderModel(const config::Config& c, const std::string& name) {
  for (const auto& m : c.providers.models) {
    if (m.name == name) return &m;
  }
  for (const auto& m : c.providers.models) {  // the provider's own id, or an alias
    if (!m.provider_model_id.empty() && m.provider_model_id == name) return &m;
    for (const auto& [provider, id] : m.external_model_ids) {
      if (id == name) return &m;
    }
  }
  return nullptr;
}

ApiFormat FormatOf(const config::ProviderModel& model) {
  return model.api_format == "anthropic" ? ApiFormat::kAnthropic : ApiFormat::kOpenAi;
}

const std::string& UpstreamModelId(const config::ProviderModel& model) {
  return model.provider_model_id.empty() ? model.name : model.provider_model_id;
}

BackendTarget ResolveBackend(const config::ProviderModel& model, const config::BackendRef& ref) {
  BackendTarget t;
  t.name = ref.name;
  const ApiFormat format = FormatOf(model);
  const std::string type = !ref.provider.empty()
                               ? ToLower(ref.provider)
                               : (format == ApiFormat::kAnthropic ? "anthropic" : "openai");
  const ProviderTypeDefaults defaults = DefaultsFor(type);
  const std::string api_version_query =
      type == "azure-openai" && !ref.api_version.empty() ? "?api-version=" + ref.api_version : "";

  if (!ref.base_url.empty()) {
    std::string_view url = ref.base_url;
    if (url.rfind("https://", 0) == 0) {
      t.tls = true;
      url.remove_prefix(8);
    } else if (url.rfind("http://", 0) == 0) {
      url.remove_prefix(7);
    } else {
      t.error = "base_url '" + ref.base_url + "' must start with http:// or https://";
      return t;
    }
    const size_t slash = url.find('/');
    std::string base_path = slash == std::string_view::npos ? "" : std::string(url.substr(slash));
    while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
    if (!SplitHostPort(url.substr(0, slash), t.tls ? "443" : "80", t.host, t.port)) {
      t.error = "base_url '" + ref.base_url + "' has no valid host:port";
      return t;
    }
    t.path = !ref.chat_path.empty()
                 ? ref.chat_path + api_version_query
                 : base_path + std::string(defaults.chat_path) + api_version_query;
  } else {
    t.tls = ToLower(ref.protocol) == "https";
    if (!SplitHostPort(ref.endpoint, t.tls ? "443" : "80", t.host, t.port)) {
      t.error = "endpoint '" + ref.endpoint + "' is not host:port";
      return t;
    }
    t.path = !ref.chat_path.empty()
                 ? ref.chat_path + api_version_query
                 : (format == ApiFormat::kAnthropic ? "/v1/messages" : "/v1/chat/completions");
  }

  t.provider = type;
  t.auth_header = ref.auth_header.empty() ? std::string(defaults.auth_header) : ref.auth_header;
  t.auth_prefix = ref.auth_prefix.empty() ? std::string(defaults.auth_prefix) : ref.auth_prefix;
  t.configured_key = ref.api_key;
  if (t.configured_key.empty() && !ref.api_key_env.empty()) {
    if (const char* v = std::getenv(ref.api_key_env.c_str())) t.configured_key = v;
  }
  if (!t.configured_key.empty())
    t.headers.emplace_back(t.auth_header, t.AuthValue(t.configured_key));
  bool has_version = false;
  for (const auto& [name, value] : ref.extra_headers) {
    t.headers.emplace_back(name, value);
    has_version = has_version || IEquals(name, "anthropic-version");
  }
  if (format == ApiFormat::kAnthropic && !has_version) {
    t.headers.emplace_back("anthropic-version", "2023-06-01");
  }
  return t;
}

std::vector<BackendTarget> BackendBalancer::Candidates(const config::ProviderModel& model) {
  const auto& refs = model.backend_refs;
  std::vector<BackendTarget> out;
  if (refs.empty()) return out;
  // Smooth weighted round robin (as nginx does): each ref gains its weight, the largest wins
  // and pays the total back. The split follows the weights exactly and interleaves picks.
  size_t pick = 0;
  {
    std::lock_guard lock(mu_);
    auto& current = current_[model.name];
    current.resize(refs.size(), 0);
    int64_t total = 0;
    for (size_t i = 0; i < refs.size(); ++i) {
      const int64_t w = refs[i].weight > 0 ? refs[i].weight : 1;
      current[i] += w;
      total += w;
      if (current[i] > current[pick]) pick = i;
    }
    current[pick] -= total;
  }
  std::vector<BackendTarget> unusable;
  for (size_t k = 0; k < refs.size(); ++k) {
    BackendTarget t = ResolveBackend(model, refs[(pick + k) % refs.size()]);
    (t.error.empty() ? out : unusable).push_back(std::move(t));
  }
  for (auto& t : unusable) out.push_back(std::move(t));
  return out;
}

}  // namespace vsr::server
