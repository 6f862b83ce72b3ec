// tools: what tools a decision lets the model see. `mode: none` strips them, `filtered` keeps
// those `allow_tools` names (all when empty) minus `block_tools`, `passthrough` leaves them;
// a tool_choice with no tool left is dropped too (backends reject it). Semantic tool selection
// (`semantic_selection`) needs the embedding model and is not in this build yet.
#pragma once

#include "plugins/plugin.h"

namespace vsr::plugins {

class ToolsPlugin final : public Plugin {
 public:
  explicit ToolsPlugin(const config::ToolsPluginConfig& cfg) : cfg_(cfg) {}
  std::string_view type() const override { return "tools"; }
  void OnForward(RequestContext& ctx) override;

 private:
  config::ToolsPluginConfig cfg_;
};

// The rewrite itself; returns the names of the tools it removed.
std::vector<std::string> ApplyToolsPolicy(boost::json::object& body, bool anthropic,
                                          const config::ToolsPluginConfig& cfg);

}  // namespace vsr::plugins
