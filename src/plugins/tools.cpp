#include "plugins/tools.h"

#include <algorithm>
#include <boost/json.hpp>

namespace vsr::plugins {

namespace json = boost::json;

namespace {

// OpenAI: {"type":"function","function":{"name":...}}; Anthropic: {"name":...}.
std::string ToolName(const json::value& tool, bool anthropic) {
  if (!tool.is_object()) return "";
  const json::object& t = tool.as_object();
  const json::value* holder = &tool;
  if (!anthropic) {
    holder = t.if_contains("function");
    if (holder == nullptr || !holder->is_object()) return "";
  }
  const json::value* name = holder->as_object().if_contains("name");
  return name != nullptr && name->is_string() ? std::string(name->as_string()) : "";
}

bool Listed(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

std::vector<std::string> ApplyToolsPolicy(json::object& body, bool anthropic,
                                          const config::ToolsPluginConfig& cfg) {
  std::vector<std::string> removed;
  json::value* tools = body.if_contains("tools");
  if (tools == nullptr || !tools->is_array()) return removed;
  const std::string mode = cfg.mode.empty() ? "passthrough" : cfg.mode;
  if (mode == "passthrough") return removed;
  json::array kept;
  for (json::value& tool : tools->as_array()) {
    const std::string name = ToolName(tool, anthropic);
    const bool keep = mode == "filtered" && !Listed(cfg.block_tools, name) &&
                      (cfg.allow_tools.empty() || Listed(cfg.allow_tools, name));
    if (keep) {
      kept.push_back(std::move(tool));
    } else {
      removed.push_back(name);
    }
  }
  if (kept.empty()) {
    // An empty list is an error for OpenAI and Anthropic alike, and so is a tool_choice
    // naming tools that are gone.
    body.erase("tools");
    body.erase("tool_choice");
  } else {
    *tools = std::move(kept);
  }
  return removed;
}

void ToolsPlugin::OnForward(RequestContext& ctx) {
  if (!cfg_.enabled || ctx.body == nullptr) return;
  ApplyToolsPolicy(*ctx.body, ctx.anthropic, cfg_);
}

}  // namespace vsr::plugins
