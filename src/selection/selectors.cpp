#include "selection/selectors.h"

#include "common/strings.h"
#include "selection/latency_aware_selector.h"
#include "selection/static_selector.h"

namespace vsr::selection {

std::shared_ptr<SelectorSet> SelectorSet::Build(const config::Config& c) {
  auto set = std::make_shared<SelectorSet>();
  set->static_ = MakeStaticSelector(c);
  set->latency_aware_ = MakeLatencyAwareSelector(set->latency_);
  // Elo keeps one rating table for the whole router (feedback names the decision), so the
  // first decision's elo block wins, then global.router.model_selection.elo.
  const config::EloSelection* elo = nullptr;
  for (const config::Decision& d : c.routing.decisions) {
    if (d.algorithm && IEquals(d.algorithm->type, "elo")) {
      elo = d.algorithm->elo ? &*d.algorithm->elo : &c.global.router.model_selection.elo;
      break;
    }
  }
  if (elo == nullptr && IEquals(c.global.router.model_selection.method, "elo")) {
    elo = &c.global.router.model_selection.elo;
  }
  if (elo != nullptr) set->elo_ = MakeEloSelector(c, *elo);
  return set;
}

SelectionResult SelectorSet::Select(const config::Decision& decision,
                                    const std::string& query) const {
  SelectionContext ctx{decision.name, &decision.model_refs, query, 0, 0};
  if (decision.algorithm && decision.algorithm->latency_aware) {
    ctx.tpot_percentile = decision.algorithm->latency_aware->tpot_percentile;
    ctx.ttft_percentile = decision.algorithm->latency_aware->ttft_percentile;
  }
  std::string error;
  if (decision.model_refs.size() > 1 && decision.algorithm) {
    const std::string type = ToLower(decision.algorithm->type);
    if (type == "elo" && elo_) {
      if (auto r = elo_->Select(ctx, error)) return *r;
    }
    if (type == "latency_aware") {
      if (auto r = latency_aware_->Select(ctx, error)) return *r;
    }
  }
  SelectionResult r = static_->Select(ctx, error).value_or(SelectionResult{});
  if (decision.model_refs.size() == 1) r.method = "single";
  return r;
}

}  // namespace vsr::selection
