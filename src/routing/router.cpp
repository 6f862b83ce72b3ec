#include "routing/router.h"

#include <algorithm>
#include <chrono>

#include "common/strings.h"
#include "routing/projections.h"

namespace vsr::routing {

using signals::Family;

Router::Router(std::shared_ptr<const config::Config> config, signals::SignalSet signals)
    : config_(std::move(config)), signals_(std::move(signals)) {
  std::vector<bool> used(signals::kFamilyCount, false);
  std::vector<std::pair<std::string, std::string>> leaves;
  for (const config::Decision& d : config_->routing.decisions) CollectLeaves(d.rules, leaves);
  for (const auto& [type, name] : leaves) {
    if (auto f = signals::FamilyForLeafType(type)) used[static_cast<size_t>(*f)] = true;
  }
  // Projections read their input signals, so those run whenever projections exist.
  for (const config::ProjectionScore& s : config_->routing.projections.scores) {
    for (const config::ProjectionScoreInput& in : s.inputs) {
      if (auto f = signals::FamilyForLeafType(in.type)) used[static_cast<size_t>(*f)] = true;
    }
  }
  for (size_t i = 0; i < used.size(); ++i) {
    if (used[i]) used_.push_back(static_cast<Family>(i));
  }
}

std::unique_ptr<Router> Router::Create(std::shared_ptr<const config::Config> config,
                                       std::vector<std::string>& errors) {
  signals::SignalSet set = signals::SignalSet::Build(*config, errors);
  return std::unique_ptr<Router>(new Router(std::move(config), std::move(set)));
}

void Router::EvaluateSignals(const request::Request& request, const RouteOptions& options,
                             SignalResults& results) const {
  auto run = [&](const signals::Signal& signal) {
    FamilyResult& fr = results.Of(signal.family());
    fr.not_ready = signal.NotReadyReason();
    if (!fr.not_ready.empty()) return;
    const auto start = std::chrono::steady_clock::now();
    signal.Evaluate(request, fr.output);
    fr.output.execution_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    fr.evaluated = true;
    for (const auto& [key, v] : fr.output.confidences) results.confidences[key] = v;
    for (const auto& [key, v] : fr.output.values) results.values[key] = v;
  };
  if (options.evaluate_all_signals) {
    for (const signals::Signal* s : signals_.All()) run(*s);
  } else {
    for (Family f : used_) {
      if (const signals::Signal* s = signals_.Get(f)) run(*s);
    }
  }
  ApplyProjections(config_->routing.projections, results);
}

void Router::SelectDecision(RoutingResult& result, const RouteOptions& options) const {
  struct Candidate {
    const config::Decision* decision;
    double confidence;
  };
  std::vector<Candidate> matched;
  bool any_tier = false;
  for (const config::Decision& d : config_->routing.decisions) {
    DecisionTrace* trace = nullptr;
    if (options.trace) {
      result.traces.push_back({d.name, false, 0, {}});
      trace = &result.traces.back();
    }
    const RuleMatch m = EvaluateRule(d.rules, result.signals, trace ? &trace->root : nullptr);
    if (trace) {
      trace->matched = m.matched;
      trace->confidence = m.confidence;
    }
    if (!m.matched) continue;
    matched.push_back({&d, m.confidence});
    any_tier = any_tier || d.tier > 0;
  }
  if (matched.empty()) return;
  const bool by_confidence = IEquals(config_->global.router.strategy, "confidence");
  auto better = [&](const Candidate& a, const Candidate& b) {
    if (any_tier && a.decision->tier != b.decision->tier)
      return a.decision->tier < b.decision->tier;
    if (any_tier || by_confidence) {
      if (a.confidence != b.confidence) return a.confidence > b.confidence;
      if (a.decision->priority != b.decision->priority)
        return a.decision->priority > b.decision->priority;
    } else {
      if (a.decision->priority != b.decision->priority)
        return a.decision->priority > b.decision->priority;
      if (a.confidence != b.confidence) return a.confidence > b.confidence;
    }
    return a.decision->name < b.decision->name;
  };
  const Candidate& best = *std::min_element(matched.begin(), matched.end(), better);
  result.decision = best.decision;
  result.decision_confidence = best.confidence;
}

void Router::SelectModel(RoutingResult& result) const {
  if (result.decision == nullptr || result.decision->model_refs.empty()) return;
  const auto& refs = result.decision->model_refs;
  // Until the selection algorithms land, every algorithm resolves to its static choice (the
  // first modelRef) — the same fallback upstream applies when a selector fails.
  result.selected_ref = &refs.front();
  result.selected_model = refs.front().model;
  if (refs.size() == 1) {
    result.selection_method = "single";
  } else {
    result.selection_method = "static";
  }
}

RoutingResult Router::Route(const request::Request& request, const RouteOptions& options) const {
  RoutingResult result;
  EvaluateSignals(request, options, result.signals);
  const FamilyResult& authz = result.signals.Of(Family::kAuthz);
  if (authz.evaluated && !authz.output.error.empty()) {
    result.error = "authz signal evaluation failed: " + authz.output.error;
  }
  SelectDecision(result, options);
  SelectModel(result);
  return result;
}

}  // namespace vsr::routing
