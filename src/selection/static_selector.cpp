#include "selection/static_selector.h"

namespace vsr::selection {
namespace {

class StaticSelector final : public Selector {
 public:
  explicit StaticSelector(const config::Config& c) {
    for (const config::DomainSignal& d : c.routing.signals.domains) {
      for (const config::ModelScore& s : d.model_scores) scores_[d.name][s.model] = s.score;
    }
  }
  std::string Method() const override { return "static"; }
  std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                        std::string& /*error*/) const override {
    SelectionResult r;
    r.method = Method();
    r.confidence = 1.0;
    r.ref = &ctx.candidates->front();
    r.score = 1.0;
    r.reasoning = "first candidate";
    auto it = scores_.find(ctx.decision_name);
    if (it == scores_.end()) return r;
    bool found = false;
    for (const config::ModelRef& ref : *ctx.candidates) {
      auto s = it->second.find(ref.model);
      if (s == it->second.end()) continue;
      r.all_scores[ref.model] = s->second;
      if (!found || s->second > r.score) {
        r.ref = &ref;
        r.score = s->second;
        found = true;
      }
    }
    if (found) r.reasoning = "highest configured score for '" + ctx.decision_name + "'";
    return r;
  }

 private:
  std::map<std::string, std::map<std::string, double>> scores_;  // category -> model -> score
};

}  // namespace

std::unique_ptr<Selector> MakeStaticSelector(const config::Config& c) {
  return std::make_unique<StaticSelector>(c);
}

}  // namespace vsr::selection
