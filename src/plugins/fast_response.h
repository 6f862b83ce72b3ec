// fast_response: answers every request of the decision with the configured message, at once,
// without calling a model (used e.g. to refuse jailbreak attempts).
#pragma once

#include "plugins/plugin.h"

namespace vsr::plugins {

class FastResponsePlugin final : public Plugin {
 public:
  explicit FastResponsePlugin(const config::FastResponsePluginConfig& cfg) : cfg_(cfg) {}
  std::string_view type() const override { return "fast_response"; }
  void OnRouted(RequestContext& ctx) override;

 private:
  config::FastResponsePluginConfig cfg_;
};

}  // namespace vsr::plugins
