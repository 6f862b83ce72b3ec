#include "signals/registry.h"

#include "common/strings.h"
#include "signals/families.h"
#include "signals/learned.h"

namespace vsr::signals {
namespace {

// Projections can read knowledge-base metrics without any kb rule.
bool UsesKbMetrics(const config::Config& c) {
  for (const config::ProjectionScore& p : c.routing.projections.scores) {
    for (const config::ProjectionScoreInput& in : p.inputs) {
      if (IEquals(in.type, "kb_metric")) return true;
    }
  }
  return false;
}

}  // namespace

SignalSet SignalSet::Build(const config::Config& c, std::vector<std::string>& errors,
                           ml::ModelStore* models) {
  SignalSet set;
  const config::Signals& s = c.routing.signals;
  auto add = [&](Family f, bool has_rules,
                 std::unique_ptr<Signal> (*make)(const config::Config&, std::string&)) {
    if (!has_rules) return;
    std::string error;
    std::unique_ptr<Signal> signal = make(c, error);
    if (!signal) {
      errors.push_back(error);
      return;
    }
    set.by_family_[static_cast<size_t>(f)] = std::move(signal);
  };
  add(Family::kKeyword, !s.keywords.empty(), MakeKeywordSignal);
  add(Family::kContext, !s.context.empty(), MakeContextSignal);
  add(Family::kStructure, !s.structure.empty(), MakeStructureSignal);
  add(Family::kLanguage, !s.language.empty(), MakeLanguageSignal);
  add(Family::kConversation, !s.conversation.empty(), MakeConversationSignal);
  if (!s.modality.empty()) {
    set.by_family_[static_cast<size_t>(Family::kModality)] = MakeModalitySignal(c, models);
  }
  add(Family::kAuthz, !s.role_bindings.empty(), MakeAuthzSignal);
  const std::pair<Family, bool> model_backed[] = {
      {Family::kEmbedding, !s.embeddings.empty()},
      {Family::kDomain, !s.domains.empty()},
      {Family::kFactCheck, !s.fact_check.empty()},
      {Family::kUserFeedback, !s.user_feedbacks.empty()},
      {Family::kReask, !s.reasks.empty()},
      {Family::kPreference, !s.preferences.empty()},
      {Family::kComplexity, !s.complexity.empty()},
      {Family::kJailbreak, !s.jailbreak.empty()},
      {Family::kPii, !s.pii.empty()},
      {Family::kKb, !s.kb.empty() || UsesKbMetrics(c)},
      {Family::kSessionMetric, !s.session_metrics.empty()},
  };
  using LearnedFactory =
      std::unique_ptr<Signal> (*)(const config::Config&, ml::ModelStore&, std::string&);
  const std::pair<Family, LearnedFactory> learned[] = {
      {Family::kEmbedding, MakeEmbeddingSignal},   {Family::kDomain, MakeDomainSignal},
      {Family::kJailbreak, MakeJailbreakSignal},   {Family::kPii, MakePiiSignal},
      {Family::kComplexity, MakeComplexitySignal}, {Family::kReask, MakeReaskSignal},
      {Family::kPreference, MakePreferenceSignal}, {Family::kFactCheck, MakeFactCheckSignal},
      {Family::kUserFeedback, MakeFeedbackSignal}, {Family::kKb, MakeKbSignal},
  };
  for (const auto& [family, has_rules] : model_backed) {
    if (!has_rules) continue;
    std::unique_ptr<Signal> signal;
    std::string why;
    for (const auto& [f, make] : learned) {
      if (f == family && models != nullptr) signal = make(c, *models, why);
    }
    if (!signal) signal = MakeModelBackedSignal(family, c, why);
    set.by_family_[static_cast<size_t>(family)] = std::move(signal);
  }
  return set;
}

void SignalSet::Replace(std::shared_ptr<const Signal> signal) {
  const size_t index = static_cast<size_t>(signal->family());
  by_family_[index] = std::move(signal);
}

std::vector<const Signal*> SignalSet::All() const {
  std::vector<const Signal*> out;
  for (const auto& s : by_family_) {
    if (s) out.push_back(s.get());
  }
  return out;
}

}  // namespace vsr::signals
