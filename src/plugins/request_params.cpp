#include "plugins/request_params.h"

#include <array>
#include <cmath>
#include <string_view>

#include "common/strings.h"

namespace vsr::plugins {

namespace json = boost::json;

namespace {

// OpenAI chat-completions top-level fields upstream keeps with strip_unknown.
constexpr std::array<std::string_view, 19> kOpenAiFields = {"model",
                                                            "messages",
                                                            "frequency_penalty",
                                                            "logit_bias",
                                                            "logprobs",
                                                            "max_tokens",
                                                            "n",
                                                            "presence_penalty",
                                                            "response_format",
                                                            "seed",
                                                            "stop",
                                                            "stream",
                                                            "temperature",
                                                            "top_logprobs",
                                                            "top_p",
                                                            "tools",
                                                            "tool_choice",
                                                            "user",
                                                            "reasoning_effort"};

// Anthropic messages top-level fields (Anthropic clients keep their own API's fields).
constexpr std::array<std::string_view, 13> kAnthropicFields = {
    "model",       "messages", "system", "max_tokens", "metadata",    "stop_sequences", "stream",
    "temperature", "top_k",    "top_p",  "tools",      "tool_choice", "thinking"};

// Caps an integer field. A fractional number is removed, so a cap cannot be dodged by
// sending 1e9 + 0.5; a non-number is left for the backend to reject.
bool Cap(json::object& body, std::string_view field, const std::optional<int>& limit) {
  if (!limit) return false;
  json::value* v = body.if_contains(field);
  if (v == nullptr || !v->is_number()) return false;
  if (v->is_double()) {
    const double d = v->as_double();
    if (d != std::trunc(d)) {
      body.erase(field);
      return true;
    }
  }
  boost::system::error_code ec;
  const double value = v->to_number<double>(ec);
  if (ec || value <= *limit) return false;
  *v = *limit;
  return true;
}

}  // namespace

std::vector<std::string> ApplyRequestParams(json::object& body, bool anthropic,
                                            const config::RequestParamsPluginConfig& cfg) {
  std::vector<std::string> changed;
  for (const std::string& param : cfg.blocked_params) {
    if (body.erase(param) > 0) changed.push_back(param);
  }
  if (Cap(body, "max_tokens", cfg.max_tokens_limit)) changed.emplace_back("max_tokens");
  if (!anthropic && Cap(body, "n", cfg.max_n)) changed.emplace_back("n");
  if (cfg.strip_unknown) {
    std::vector<std::string> unknown;
    for (const auto& [key, value] : body) {
      const bool known = anthropic ? Contains(kAnthropicFields, key) : Contains(kOpenAiFields, key);
      if (!known) unknown.emplace_back(key);
    }
    for (const std::string& key : unknown) {
      body.erase(key);
      changed.push_back(key);
    }
  }
  return changed;
}

void RequestParamsPlugin::OnForward(RequestContext& ctx) {
  if (ctx.body != nullptr) ApplyRequestParams(*ctx.body, ctx.anthropic, cfg_);
}

}  // namespace vsr::plugins
