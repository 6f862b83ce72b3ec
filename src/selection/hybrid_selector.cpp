#include "selection/hybrid_selector.h"

#include <cstdio>

namespace vsr::selection {
namespace {

struct Component {
  const char* label;  // in the reasoning text
  const Selector* selector;
  double weight;
};

class HybridSelector final : public Selector {
 public:
  HybridSelector(const config::HybridSelection& s, const ModelFacts& facts, const Selector* elo,
                 const Selector* router_dc, const Selector* automix)
      : settings_(s),
        facts_(facts),
        components_{{"Experience", elo, s.elo_weight.value_or(0.3)},
                    {"RouterDC", router_dc, s.router_dc_weight.value_or(0.3)},
                    {"AutoMix", automix, s.automix_weight.value_or(0.2)}},
        cost_weight_(s.cost_weight.value_or(0.2)) {}
  std::string Method() const override { return "hybrid"; }

  std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                        std::string& /*error*/) const override {
    struct Answer {
      const Component* component;
      SelectionResult result;
      std::map<std::string, double> scores;
    };
    std::vector<Answer> answers;
    for (const Component& c : components_) {
      if (c.selector == nullptr || c.weight <= 0) continue;
      std::string ignored;
      std::optional<SelectionResult> r = c.selector->Select(ctx, ignored);
      if (!r) continue;
      std::map<std::string, double> scores =
          settings_.normalize_scores ? NormalizeScores(r->all_scores) : r->all_scores;
      answers.push_back({&c, std::move(*r), std::move(scores)});
    }
    SelectionResult out;
    out.method = Method();
    double total_weight = 0;
    for (const Answer& a : answers) total_weight += a.scores.empty() ? 0 : a.component->weight;
    for (const config::ModelRef& ref : *ctx.candidates) {
      double s = total_weight == 0 ? 1.0 / static_cast<double>(ctx.candidates->size()) : 0.0;
      for (const Answer& a : answers) {
        auto it = a.scores.find(ref.model);
        if (it != a.scores.end()) s += a.component->weight / total_weight * it->second;
      }
      out.all_scores[ref.model] = s;
    }
    if (cost_weight_ > 0) {
      std::map<std::string, double> costs;  // the priced candidates
      for (const config::ModelRef& ref : *ctx.candidates) {
        if (facts_.has_cost(ref.model)) costs[ref.model] = facts_.cost(ref.model);
      }
      for (auto& [model, s] : out.all_scores)
        s *= CheapnessBonus(costs, model, ctx.cost_weight * cost_weight_);
    }
    for (const config::ModelRef& ref : *ctx.candidates) {
      const double s = out.all_scores[ref.model];
      if (out.ref == nullptr || s > out.score) out.ref = &ref, out.score = s;
    }
    // Confidence: how far the components agree with the winner, and how sure they were.
    if (answers.empty()) {
      out.confidence = 0.5;
    } else {
      double agree = 0, sure = 0;
      for (const Answer& a : answers) {
        agree += a.result.ref != nullptr && a.result.ref->model == out.ref->model ? 1 : 0;
        sure += a.result.confidence;
      }
      const double n = static_cast<double>(answers.size());
      out.confidence = (agree / n + sure / n) / 2.0;
    }
    out.reasoning = Reasoning(answers, out.ref->model);
    return out;
  }

 private:
  template <typename Answers>
  std::string Reasoning(const Answers& answers, const std::string& winner) const {
    std::string parts;
    char buf[160];
    for (const auto& a : answers) {
      auto it = a.scores.find(winner);
      if (it == a.scores.end()) continue;
      std::snprintf(buf, sizeof buf, "%s%s=%.3f", parts.empty() ? "" : " ", a.component->label,
                    it->second);
      parts += buf;
    }
    std::snprintf(buf, sizeof buf, "weights=[elo:%.2f, dc:%.2f, am:%.2f, cost:%.2f]",
                  components_[0].weight, components_[1].weight, components_[2].weight,
                  cost_weight_);
    if (parts.empty()) return std::string("Hybrid selection with ") + buf;
    return "Hybrid combination: [" + parts + "], " + buf;
  }

  config::HybridSelection settings_;
  const ModelFacts& facts_;
  Component components_[3];
  double cost_weight_;
};

}  // namespace

std::unique_ptr<Selector> MakeHybridSelector(const config::HybridSelection& settings,
                                             const ModelFacts& facts, const Selector* elo,
                                             const Selector* router_dc, const Selector* automix) {
  return std::make_unique<HybridSelector>(settings, facts, elo, router_dc, automix);
}

}  // namespace vsr::selection
