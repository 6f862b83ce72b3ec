#include "selection/model_facts.h"

#include <algorithm>
#include <limits>
#include <set>

namespace vsr::selection {

ModelFacts::ModelFacts(const config::Config& c) {
  std::set<std::string> names;
  for (const config::ProviderModel& m : c.providers.models) {
    names.insert(m.name);
    if (m.pricing.prompt_per_1m > 0) costs_[m.name] = m.pricing.prompt_per_1m;
  }
  for (const config::ModelCard& card : c.routing.model_cards) {
    names.insert(card.name);
    cards_[card.name] = &card;
  }
  models_.assign(names.begin(), names.end());
}

double ModelFacts::cost(const std::string& model) const {
  auto it = costs_.find(model);
  return it == costs_.end() ? 0.0 : it->second;
}

double ModelFacts::quality(const std::string& model, double fallback) const {
  auto it = cards_.find(model);
  if (it == cards_.end()) return fallback;
  const double q = it->second->quality_score;
  return q > 0 && q <= 1.0 ? q : fallback;
}

std::string ModelFacts::DescriptionText(const std::string& model, bool with_capabilities) const {
  auto it = cards_.find(model);
  if (it == cards_.end()) return "";
  const config::ModelCard& card = *it->second;
  std::string caps;
  for (const std::string& cap : card.capabilities) caps += (caps.empty() ? "" : ", ") + cap;
  if (!card.description.empty()) {
    if (with_capabilities && !caps.empty()) return card.description + ". Capabilities: " + caps;
    return card.description;
  }
  if (caps.empty()) return "";
  return "Model: " + model + ". Capabilities: " + caps;
}

std::map<std::string, double> NormalizeScores(const std::map<std::string, double>& scores) {
  if (scores.empty()) return scores;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& [model, s] : scores) lo = std::min(lo, s), hi = std::max(hi, s);
  std::map<std::string, double> out;
  for (const auto& [model, s] : scores) out[model] = hi == lo ? 0.5 : (s - lo) / (hi - lo);
  return out;
}

double CheapnessBonus(const std::map<std::string, double>& costs, const std::string& model,
                      double weight) {
  auto it = costs.find(model);
  if (it == costs.end() || weight <= 0) return 1.0;
  double lo = std::numeric_limits<double>::max(), hi = 0;
  for (const auto& [name, c] : costs) lo = std::min(lo, c), hi = std::max(hi, c);
  if (hi <= lo) return 1.0;
  return 1.0 + (1.0 - (it->second - lo) / (hi - lo)) * weight;
}

}  // namespace vsr::selection
