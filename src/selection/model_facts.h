// What the selectors that weigh quality, cost or capability read about each provider model,
// gathered from config once: prompt price (providers.models[].pricing.prompt_per_1m),
// modelCards quality_score, and the description text router_dc embeds.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"

namespace vsr::selection {

class ModelFacts {
 public:
  explicit ModelFacts(const config::Config& c);

  // Every model named by providers.models or routing.modelCards, sorted.
  const std::vector<std::string>& models() const { return models_; }
  // Price per million prompt tokens; nullopt-like 0 when unpriced (has_cost says which).
  double cost(const std::string& model) const;
  bool has_cost(const std::string& model) const { return costs_.count(model) > 0; }
  const std::map<std::string, double>& costs() const { return costs_; }
  // modelCards quality_score when in (0, 1], else `fallback`.
  double quality(const std::string& model, double fallback) const;
  // "<description>. Capabilities: a, b" (capabilities only when `with_capabilities`); a card
  // with capabilities but no description reads "Model: <name>. Capabilities: ...". "" = nothing
  // to embed.
  std::string DescriptionText(const std::string& model, bool with_capabilities) const;

 private:
  std::vector<std::string> models_;
  std::map<std::string, double> costs_;
  std::map<std::string, const config::ModelCard*> cards_;
};

// Min-max normalization to [0, 1]; all equal -> 0.5 each (upstream's hybrid normalization).
std::map<std::string, double> NormalizeScores(const std::map<std::string, double>& scores);

// A cheaper model's multiplier in [1, 1 + weight]: 1 + (1 - (cost - min) / (max - min)) *
// weight over the costs of `models` that are priced; 1 when fewer than two distinct prices.
double CheapnessBonus(const std::map<std::string, double>& costs, const std::string& model,
                      double weight);

}  // namespace vsr::selection
