// header_mutation: adds, updates and deletes headers of the request sent to the backend.
#pragma once

#include "plugins/plugin.h"

namespace vsr::plugins {

class HeaderMutationPlugin final : public Plugin {
 public:
  explicit HeaderMutationPlugin(const config::HeaderMutationPluginConfig& cfg) : cfg_(cfg) {}
  std::string_view type() const override { return "header_mutation"; }
  void OnForward(RequestContext& ctx) override;

 private:
  config::HeaderMutationPluginConfig cfg_;
};

}  // namespace vsr::plugins
