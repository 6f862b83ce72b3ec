// semantic-cache: answers a question the decision has answered before from the cache (exact
// question, or — with an embedding model — a similar enough one that passes the verification
// step), streaming or not, and stores each new 2xx answer. Scope: the decision and the model the
// client asked for. Threshold: the plugin's similarity_threshold, else the global
// stores.semantic_cache one, else 0.5 (upstream's order).
#pragma once

#include <memory>

#include "cache/semantic_cache.h"
#include "plugins/plugin.h"
#include "plugins/services.h"

namespace vsr::plugins {

class SemanticCachePlugin final : public Plugin {
 public:
  // `store_only`: the decision also retrieves context (rag, memory), so a cached answer may
  // not fit this request's context: answers are stored but never served (upstream's rule).
  SemanticCachePlugin(const config::SemanticCachePluginConfig& cfg, const PluginServices& services,
                      bool store_only = false)
      : cfg_(cfg), services_(services), store_only_(store_only) {}
  std::string_view type() const override { return "semantic-cache"; }
  void OnRouted(RequestContext& ctx) override;
  void OnResponse(const RequestContext& ctx, const ResponseContext& response) override;
  bool needs_completion() const override { return true; }
  bool needs_embedding() const override {
    return cfg_.enabled && !store_only_ && static_cast<bool>(services_.embed);
  }

  static std::string Scope(const RequestContext& ctx);

 private:
  double Threshold(const RequestContext& ctx) const;
  config::SemanticCachePluginConfig cfg_;
  PluginServices services_;
  bool store_only_;
};

}  // namespace vsr::plugins
