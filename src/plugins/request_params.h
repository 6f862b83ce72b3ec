// request_params: removes blocked parameters, caps max_tokens and n, and (strip_unknown) drops
// top-level fields the target API does not define, before the body goes to the backend.
#pragma once

#include "plugins/plugin.h"

namespace vsr::plugins {

class RequestParamsPlugin final : public Plugin {
 public:
  explicit RequestParamsPlugin(const config::RequestParamsPluginConfig& cfg) : cfg_(cfg) {}
  std::string_view type() const override { return "request_params"; }
  bool rewrites_body() const override { return true; }
  void OnForward(RequestContext& ctx) override;

 private:
  config::RequestParamsPluginConfig cfg_;
};

// The rewrite itself; returns the names of the fields it removed or capped.
std::vector<std::string> ApplyRequestParams(boost::json::object& body, bool anthropic,
                                            const config::RequestParamsPluginConfig& cfg);

}  // namespace vsr::plugins
