#include "selection/automix_selector.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace vsr::selection {
namespace {

// Before any verification outcome is known, a model is assumed to pass 70% of the time.
constexpr double kPriorVerification = 0.7;

class AutoMixSelector final : public Selector {
 public:
  AutoMixSelector(const config::AutoMixSelection& s, const ModelFacts& facts)
      : settings_(s), facts_(facts) {}
  std::string Method() const override { return "automix"; }

  std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                        std::string& /*error*/) const override {
    std::vector<const config::ModelRef*> by_cost;
    for (const config::ModelRef& ref : *ctx.candidates) by_cost.push_back(&ref);
    std::stable_sort(by_cost.begin(), by_cost.end(), [&](const auto* a, const auto* b) {
      return facts_.cost(a->model) < facts_.cost(b->model);
    });
    SelectionResult r;
    r.method = Method();
    for (const config::ModelRef* ref : by_cost) r.all_scores[ref->model] = Value(ref->model);
    double best = -std::numeric_limits<double>::infinity();
    for (const config::ModelRef* ref : by_cost) {
      double v = r.all_scores[ref->model];
      if (settings_.cost_aware_routing) {
        if (!Known(ref->model)) continue;  // upstream skips models it has no data for
        const double cost = facts_.cost(ref->model);
        if (cost > 0) v *= 1.0 / (1.0 + cost * ctx.cost_weight);
        if (kPriorVerification >= settings_.verification_threshold) v *= 1.1;
      }
      if (r.ref == nullptr || v > best) best = v, r.ref = ref;
    }
    if (r.ref == nullptr) r.ref = by_cost.front(), best = r.all_scores[r.ref->model];
    r.score = best;
    r.confidence = kPriorVerification;
    char buf[128];
    if (settings_.cost_aware_routing) {
      std::snprintf(buf, sizeof buf, "Cost-aware POMDP selection (tradeoff=%.2f, discount=%.2f)",
                    settings_.cost_quality_tradeoff, settings_.discount_factor);
    } else {
      std::snprintf(buf, sizeof buf, "Quality-only POMDP selection (threshold=%.2f)",
                    settings_.verification_threshold);
    }
    r.reasoning = buf;
    return r;
  }

 private:
  bool Known(const std::string& model) const {
    const auto& all = facts_.models();
    return std::binary_search(all.begin(), all.end(), model);
  }
  // quality - cost penalty; the escalation term is 0 until verification outcomes are learned.
  double Value(const std::string& model) const {
    if (!Known(model)) return 0.5;
    double v = facts_.quality(model, 0.8);
    const double cost = facts_.cost(model);
    if (settings_.cost_aware_routing && cost > 0)
      v -= cost / 10.0 * settings_.cost_quality_tradeoff;
    return v;
  }

  config::AutoMixSelection settings_;
  const ModelFacts& facts_;
};

}  // namespace

std::unique_ptr<Selector> MakeAutoMixSelector(const config::AutoMixSelection& settings,
                                              const ModelFacts& facts) {
  return std::make_unique<AutoMixSelector>(settings, facts);
}

}  // namespace vsr::selection
