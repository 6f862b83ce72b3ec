#include "selection/selectors.h"

#include <set>

#include "common/strings.h"
#include "selection/automix_selector.h"
#include "selection/gmt_router_selector.h"
#include "selection/hybrid_selector.h"
#include "selection/latency_aware_selector.h"
#include "selection/ml_artifact.h"
#include "selection/rl_driven_selector.h"
#include "selection/router_dc_selector.h"
#include "selection/static_selector.h"

namespace vsr::selection {
namespace {

const char* const kLearned[] = {"knn", "kmeans", "svm", "mlp"};

std::set<std::string> UsedTypes(const config::Config& c) {
  std::set<std::string> types;
  for (const config::Decision& d : c.routing.decisions) {
    if (d.algorithm && d.model_refs.size() > 1) types.insert(ToLower(d.algorithm->type));
  }
  return types;
}

// The router-wide block with the first decision's block of that type over it (its set,
// non-zero values). Upstream reads only the global automix and hybrid blocks; honoring the
// decision's too keeps fixtures like algorithm/selection/hybrid.yaml meaningful.
config::AutoMixSelection AutoMixSettings(const config::Config& c) {
  config::AutoMixSelection s = c.global.router.model_selection.automix;
  for (const config::Decision& d : c.routing.decisions) {
    if (!d.algorithm || !IEquals(d.algorithm->type, "automix") || !d.algorithm->automix) continue;
    const config::AutoMixSelection& own = *d.algorithm->automix;
    if (own.verification_threshold != 0) s.verification_threshold = own.verification_threshold;
    if (own.max_escalations != 0) s.max_escalations = own.max_escalations;
    if (own.cost_quality_tradeoff != 0) s.cost_quality_tradeoff = own.cost_quality_tradeoff;
    if (own.discount_factor != 0) s.discount_factor = own.discount_factor;
    s.cost_aware_routing = s.cost_aware_routing || own.cost_aware_routing;
    break;
  }
  return s;
}

config::HybridSelection HybridSettings(const config::Config& c) {
  config::HybridSelection s = c.global.router.model_selection.hybrid;
  for (const config::Decision& d : c.routing.decisions) {
    if (!d.algorithm || !IEquals(d.algorithm->type, "hybrid") || !d.algorithm->hybrid) continue;
    const config::HybridSelection& own = *d.algorithm->hybrid;
    for (auto [mine, theirs] : {std::pair{&s.elo_weight, &own.elo_weight},
                                {&s.router_dc_weight, &own.router_dc_weight},
                                {&s.automix_weight, &own.automix_weight},
                                {&s.cost_weight, &own.cost_weight}}) {
      if (theirs->has_value()) *mine = *theirs;
    }
    if (own.quality_gap_threshold != 0) s.quality_gap_threshold = own.quality_gap_threshold;
    s.normalize_scores = s.normalize_scores || own.normalize_scores;
    break;
  }
  return s;
}

}  // namespace

bool SelectorSet::NeedsEmbeddings(const config::Config& c) {
  for (const std::string& t : UsedTypes(c)) {
    if (t == "router_dc" || t == "hybrid" || t == "knn" || t == "kmeans" || t == "svm" ||
        t == "mlp")
      return true;
  }
  return false;
}

bool SelectorSet::CallsServers(const config::Config& c) {
  return UsedTypes(c).count("rl_driven") > 0 && RlDrivenAsksRouterR1(c);
}

std::shared_ptr<SelectorSet> SelectorSet::Build(const config::Config& c,
                                                QueryEmbedding::EmbedFn embed,
                                                std::vector<std::string>* warnings,
                                                HttpPostFn post) {
  std::shared_ptr<SelectorSet> set(new SelectorSet(c));
  set->embed_ = std::move(embed);
  set->static_ = MakeStaticSelector(c);
  set->latency_aware_ = MakeLatencyAwareSelector(set->latency_);
  const std::set<std::string> used = UsedTypes(c);
  const bool hybrid = used.count("hybrid") > 0;
  // Elo keeps one rating table for the whole router (feedback names the decision), so the
  // first decision's elo block wins, then global.router.model_selection.elo.
  const config::EloSelection* elo = nullptr;
  for (const config::Decision& d : c.routing.decisions) {
    if (d.algorithm && IEquals(d.algorithm->type, "elo")) {
      elo = d.algorithm->elo ? &*d.algorithm->elo : &c.global.router.model_selection.elo;
      break;
    }
  }
  if (elo == nullptr && (hybrid || IEquals(c.global.router.model_selection.method, "elo"))) {
    elo = &c.global.router.model_selection.elo;
  }
  if (elo != nullptr) set->elo_ = MakeEloSelector(c, *elo);
  if (hybrid || used.count("router_dc")) {
    set->router_dc_ = MakeRouterDcSelector(RouterDcSettings(c), set->facts_, set->embed_);
  }
  if (hybrid || used.count("automix")) {
    set->automix_ = MakeAutoMixSelector(AutoMixSettings(c), set->facts_);
  }
  if (hybrid) {
    set->hybrid_ = MakeHybridSelector(HybridSettings(c), set->facts_, set->elo_.get(),
                                      set->router_dc_.get(), set->automix_.get());
  }
  if (used.count("rl_driven")) {
    set->rl_driven_ = MakeRlDrivenSelector(c, set->facts_, 0, std::move(post));
  }
  if (used.count("gmtrouter")) {
    set->gmtrouter_ = MakeGmtRouterSelector(c, set->facts_, set->embed_);
  }
  for (const char* type : kLearned) {
    if (!used.count(type)) continue;
    std::string error;
    set->learned_[type] = MakeArtifactSelector(c, type, error);
    if (!error.empty() && warnings) warnings->push_back(error);
  }
  return set;
}

const Selector* SelectorSet::ByType(const std::string& type) const {
  if (type == "elo") return elo_.get();
  if (type == "latency_aware") return latency_aware_.get();
  if (type == "router_dc") return router_dc_.get();
  if (type == "automix") return automix_.get();
  if (type == "hybrid") return hybrid_.get();
  if (type == "rl_driven") return rl_driven_.get();
  if (type == "gmtrouter") return gmtrouter_.get();
  auto it = learned_.find(type);
  return it == learned_.end() ? nullptr : it->second.get();
}

SelectionResult SelectorSet::Select(const config::Decision& decision,
                                    const SelectionInput& input) const {
  const QueryEmbedding embedding(&embed_, &input.query, input.embedding);
  SelectionContext ctx;
  ctx.decision_name = decision.name;
  ctx.candidates = &decision.model_refs;
  ctx.user_id = input.user_id;
  ctx.session_id = input.session_id;
  ctx.category = input.category;
  ctx.embedding = &embedding;
  std::string error;
  if (decision.model_refs.size() > 1 && decision.algorithm) {
    const config::Algorithm& a = *decision.algorithm;
    if (a.latency_aware) {
      ctx.tpot_percentile = a.latency_aware->tpot_percentile;
      ctx.ttft_percentile = a.latency_aware->ttft_percentile;
    }
    if (a.automix && a.automix->cost_quality_tradeoff > 0) {
      ctx.cost_weight = a.automix->cost_quality_tradeoff;
    } else if (a.hybrid && a.hybrid->cost_weight.value_or(0) > 0) {
      ctx.cost_weight = *a.hybrid->cost_weight;
    }
    if (const Selector* s = ByType(ToLower(a.type))) {
      if (auto r = s->Select(ctx, error)) return *r;
    }
  }
  SelectionResult r = static_->Select(ctx, error).value_or(SelectionResult{});
  if (decision.model_refs.size() == 1) r.method = "single";
  return r;
}

int SelectorSet::UpdateFeedback(const Feedback& f, int& configured, std::string& errors) const {
  int updated = 0;
  configured = 0;
  for (Selector* s : {static_cast<Selector*>(elo_.get()), rl_driven_.get(), gmtrouter_.get()}) {
    if (s == nullptr) continue;
    ++configured;
    std::string error;
    if (s->UpdateFeedback(f, error)) {
      ++updated;
    } else {
      errors += (errors.empty() ? "" : "; ") + s->Method() + ": " + error;
    }
  }
  return updated;
}

}  // namespace vsr::selection
