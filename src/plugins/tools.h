// tools: what tools a decision lets the model see. `mode: none` strips them, `filtered` keeps
// those `allow_tools` names (all when empty) minus `block_tools`, `passthrough` leaves them;
// a tool_choice with no tool left is dropped too (backends reject it).
// Semantic selection (`semantic_selection`, on unless false; upstream's rule): when the client
// leaves the choice to the model (`tool_choice: "auto"`, OpenAI requests) and the router has a
// tools database (global.integrations.tools enabled, tools_db_path), the request's tools are
// replaced by the database tools whose descriptions are most similar to the question: at least
// `similarity_threshold` (else embedding_config.min_score_threshold), `top_k` of them, allow and
// block lists applied in `filtered` mode. None similar enough: the request goes without tools.
#pragma once

#include <memory>

#include "plugins/plugin.h"
#include "plugins/tools_database.h"

namespace vsr::plugins {

class ToolsPlugin final : public Plugin {
 public:
  // `db` null: no semantic selection (no database, or no embedding model to read it with).
  ToolsPlugin(const config::ToolsPluginConfig& cfg, const config::ToolsIntegration& integration,
              double default_threshold, std::shared_ptr<const ToolsDatabase> db,
              std::function<std::vector<float>(const std::string&)> embed)
      : cfg_(cfg),
        integration_(integration),
        default_threshold_(default_threshold),
        db_(std::move(db)),
        embed_(std::move(embed)) {}
  std::string_view type() const override { return "tools"; }
  bool rewrites_body() const override { return true; }
  void OnForward(RequestContext& ctx) override;
  bool needs_embedding() const override { return Selects(); }

 private:
  bool Selects() const;
  // Semantic selection on an OpenAI body whose tool_choice is "auto".
  void Select(RequestContext& ctx);

  config::ToolsPluginConfig cfg_;
  config::ToolsIntegration integration_;
  double default_threshold_;
  std::shared_ptr<const ToolsDatabase> db_;
  std::function<std::vector<float>(const std::string&)> embed_;
};

// The rewrite itself; returns the names of the tools it removed.
std::vector<std::string> ApplyToolsPolicy(boost::json::object& body, bool anthropic,
                                          const config::ToolsPluginConfig& cfg);

// Whether `decision`'s tools plugin asks for semantic selection (upstream's SelectionEnabled).
bool WantsToolSelection(const config::ToolsPluginConfig& cfg);

}  // namespace vsr::plugins
