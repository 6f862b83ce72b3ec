// DecodeFields for listeners and providers.
#include "config/decode_fields.h"

namespace vsr::config {

void DecodeFields(MapReader& r, Listener& v) {
  r.Required("name", v.name);
  r.Optional("address", v.address);
  r.Required("port", v.port, IntBetween(1, 65535));
  r.Optional("timeout", v.timeout);
}

void DecodeFields(MapReader& r, ReasoningFamily& v) {
  r.Required("type", v.type, OneOf({"chat_template_kwargs", "reasoning_effort"}));
  r.Required("parameter", v.parameter);
}

void DecodeFields(MapReader& r, ProviderDefaults& v) {
  r.Optional("default_model", v.default_model);
  r.Optional("default_reasoning_effort", v.default_reasoning_effort,
             OneOf({"low", "medium", "high"}));
  r.Optional("reasoning_families", v.reasoning_families);
}

void DecodeFields(MapReader& r, ModelPricing& v) {
  r.Optional("currency", v.currency);
  r.Optional("prompt_per_1m", v.prompt_per_1m, AtLeast(0));
  r.Optional("completion_per_1m", v.completion_per_1m, AtLeast(0));
  r.Optional("cached_input_per_1m", v.cached_input_per_1m, AtLeast(0));
}

void DecodeFields(MapReader& r, BackendRef& v) {
  r.Optional("name", v.name);
  r.Optional("endpoint", v.endpoint);
  r.Optional("protocol", v.protocol, OneOf({"http", "https"}));
  r.Optional("weight", v.weight, IntAtLeast(0));
  r.Optional("type", v.type);
  r.Optional("base_url", v.base_url);
  r.Optional("provider", v.provider);
  r.Optional("auth_header", v.auth_header);
  r.Optional("auth_prefix", v.auth_prefix);
  r.Optional("extra_headers", v.extra_headers);
  r.Optional("api_version", v.api_version);
  r.Optional("chat_path", v.chat_path);
  r.Optional("api_key", v.api_key);
  r.Optional("api_key_env", v.api_key_env);
}

void DecodeFields(MapReader& r, ProviderModel& v) {
  r.Required("name", v.name);
  r.Optional("reasoning_family", v.reasoning_family);
  r.Optional("provider_model_id", v.provider_model_id);
  r.Optional("backend_refs", v.backend_refs);
  r.Optional("pricing", v.pricing);
  r.Optional("api_format", v.api_format, OneOf({"openai", "anthropic"}));
  r.Optional("external_model_ids", v.external_model_ids);
}

void DecodeFields(MapReader& r, Providers& v) {
  r.Optional("defaults", v.defaults);
  r.Optional("models", v.models);
}

}  // namespace vsr::config
