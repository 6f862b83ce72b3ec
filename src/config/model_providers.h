// Typed v0.3 config: listeners and providers (defaults, models, backend_refs, pricing, auth).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vsr::config {

struct Listener {
  std::string name;
  std::string address = "0.0.0.0";
  int port = 0;
  std::string timeout;  // Go duration such as "300s"
};

struct ReasoningFamily {
  std::string type;       // chat_template_kwargs | reasoning_effort
  std::string parameter;  // e.g. enable_thinking, reasoning.effort
};

struct ProviderDefaults {
  std::string default_model;
  std::string default_reasoning_effort;  // low | medium | high
  std::map<std::string, ReasoningFamily> reasoning_families;
};

struct ModelPricing {
  std::string currency;
  double prompt_per_1m = 0;
  double completion_per_1m = 0;
  double cached_input_per_1m = 0;
};

// One physical endpoint serving a provider model.
struct BackendRef {
  std::string name;
  std::string endpoint;  // host:port
  std::string protocol;  // http | https
  int weight = 0;        // 0 means 1 at runtime
  std::string type;
  std::string base_url;  // full URL alternative to endpoint
  std::string provider;
  std::string auth_header;
  std::string auth_prefix;
  std::map<std::string, std::string> extra_headers;
  std::string api_version;
  std::string chat_path;
  std::string api_key;
  std::string api_key_env;
};

struct ProviderModel {
  std::string name;
  std::string reasoning_family;
  std::string provider_model_id;
  std::vector<BackendRef> backend_refs;
  ModelPricing pricing;
  std::string api_format;  // openai | anthropic
  std::map<std::string, std::string> external_model_ids;
};

struct Providers {
  ProviderDefaults defaults;
  std::vector<ProviderModel> models;
};

}  // namespace vsr::config
