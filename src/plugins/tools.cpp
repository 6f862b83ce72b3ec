#include "plugins/tools.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/strings.h"
#include "plugins/tools_ranking.h"

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

// The request's category for tool ranking: its first matched domain; none when the category
// filter is on and the decision is less sure than category_confidence_threshold (upstream).
std::string Category(const RequestContext& ctx, const config::AdvancedToolFiltering& advanced) {
  if (ctx.routing == nullptr) return "";
  const auto& domains = ctx.routing->signals.Of(signals::Family::kDomain).output.matched;
  if (domains.empty()) return "";
  if (advanced.use_category_filter.value_or(false) && advanced.category_confidence_threshold &&
      ctx.routing->decision_confidence < *advanced.category_confidence_threshold) {
    return "";
  }
  return domains.front();
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
    const bool keep = mode == "filtered" && !Contains(cfg.block_tools, name) &&
                      (cfg.allow_tools.empty() || Contains(cfg.allow_tools, name));
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

bool WantsToolSelection(const config::ToolsPluginConfig& cfg) {
  return cfg.enabled && cfg.mode != "none" && cfg.semantic_selection.value_or(true);
}

bool ToolsPlugin::Selects() const {
  return db_ != nullptr && WantsToolSelection(cfg_);
}

void ToolsPlugin::OnForward(RequestContext& ctx) {
  if (!cfg_.enabled || ctx.body == nullptr) return;
  ApplyToolsPolicy(*ctx.body, ctx.anthropic, cfg_);
  if (Selects() && !ctx.anthropic) Select(ctx);
}

void ToolsPlugin::Select(RequestContext& ctx) {
  json::object& body = *ctx.body;
  const json::value* choice = body.if_contains("tool_choice");
  if (choice == nullptr || !choice->is_string() || choice->as_string() != "auto") return;
  if (ctx.request == nullptr) return;
  // Upstream's classification text: the user's message, else the other messages joined.
  const std::string& text = ctx.request->evaluation_text;
  if (text.empty()) return;
  // The data plane embeds the question off the I/O thread when it has model threads.
  if (ctx.cache_embedding.empty() && embed_) ctx.cache_embedding = embed_(text);
  if (ctx.cache_embedding.empty()) return;
  const double threshold = integration_.similarity_threshold.value_or(default_threshold_);
  const size_t top_k = static_cast<size_t>(integration_.top_k > 0 ? integration_.top_k : 3);
  const bool filtered = cfg_.mode == "filtered";
  json::array selected;
  const auto& advanced = integration_.advanced_filtering;
  if (advanced && advanced->enabled) {
    ToolRankingInput in;
    in.query = text;
    in.candidates = db_->FindSimilar(ctx.cache_embedding, threshold);
    in.candidates.resize(std::min(in.candidates.size(), CandidatePoolSize(*advanced, top_k)));
    in.top_k = top_k;
    // The plugin's filtered lists narrow the global ones (upstream's merge).
    const std::vector<std::string> none;
    in.allow = IntersectAllow(advanced->allow_tools, filtered ? cfg_.allow_tools : none);
    in.block = UnionBlock(advanced->block_tools, filtered ? cfg_.block_tools : none);
    in.category = Category(ctx, *advanced);
    for (const ToolEntry* t : RankTools(in, *advanced)) selected.push_back(t->tool);
  } else {
    for (const ToolsDatabase::Match& m : db_->FindSimilar(ctx.cache_embedding, threshold)) {
      if (selected.size() == top_k) break;
      if (filtered && (Contains(cfg_.block_tools, m.entry->name) ||
                       (!cfg_.allow_tools.empty() && !Contains(cfg_.allow_tools, m.entry->name)))) {
        continue;
      }
      selected.push_back(m.entry->tool);
    }
  }
  if (selected.empty()) {  // nothing relevant: the model answers without tools
    body.erase("tools");
    body.erase("tool_choice");
    return;
  }
  body["tools"] = std::move(selected);
}

}  // namespace vsr::plugins
