// router_replay: keeps a record of every request a decision routes (what was asked, which
// signals matched, where it went, how it ended) in the shared replay store, for the replay API
// and the dashboard. On by default for every decision when global.services.router_replay is
// enabled; a decision's own router_replay plugin overrides the defaults (enabled: false turns it
// off for that decision).
#pragma once

#include <memory>

#include "plugins/plugin.h"
#include "replay/store.h"

namespace vsr::plugins {

class RouterReplayPlugin final : public Plugin {
 public:
  RouterReplayPlugin(const config::RouterReplayPluginConfig& cfg,
                     std::shared_ptr<replay::ReplayStore> store)
      : cfg_(cfg), store_(std::move(store)) {}
  std::string_view type() const override { return "router_replay"; }
  void OnForward(RequestContext& ctx) override;
  void OnResponse(const RequestContext& ctx, const ResponseContext& response) override;
  bool needs_completion() const override { return cfg_.capture_response_body; }
  bool traced() const override { return false; }

 private:
  size_t max_records() const {
    return static_cast<size_t>(cfg_.max_records > 0 ? cfg_.max_records : 10000);
  }
  config::RouterReplayPluginConfig cfg_;
  std::shared_ptr<replay::ReplayStore> store_;
};

// The replay settings that apply to `decision` (upstream's EffectiveRouterReplayConfigForDecision):
// the defaults, enabled as the global service says, overridden by the decision's own plugin.
// nullopt: no recording for this decision.
std::optional<config::RouterReplayPluginConfig> EffectiveReplayConfig(
    const config::Config& config, const config::Decision& decision);

}  // namespace vsr::plugins
