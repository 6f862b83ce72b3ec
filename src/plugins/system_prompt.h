// system_prompt: puts the decision's system prompt in front of the conversation when the
// request is auto-routed. `replace` (default) swaps out an existing system message, `insert`
// puts the prompt before the existing one's text. Anthropic bodies carry it in `system`.
#pragma once

#include "plugins/plugin.h"

namespace vsr::plugins {

class SystemPromptPlugin final : public Plugin {
 public:
  explicit SystemPromptPlugin(const config::SystemPromptPluginConfig& cfg) : cfg_(cfg) {}
  std::string_view type() const override { return "system_prompt"; }
  bool rewrites_body() const override { return true; }
  void OnForward(RequestContext& ctx) override;

 private:
  config::SystemPromptPluginConfig cfg_;
};

// The rewrite itself, for one body; false when nothing was injected.
bool ApplySystemPrompt(boost::json::object& body, bool anthropic, const std::string& prompt,
                       const std::string& mode);

}  // namespace vsr::plugins
