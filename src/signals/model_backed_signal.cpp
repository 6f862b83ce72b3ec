// Families that need a learned model. Until the ML runtime loads their model they do not
// pretend: NotReadyReason says which model is missing, eval reports it, /ready lists it, and
// the decision engine treats their conditions as unmatched.
#include "signals/families.h"

namespace vsr::signals {
namespace {

class ModelBackedSignal final : public Signal {
 public:
  ModelBackedSignal(Family family, std::vector<std::string> names, std::string model)
      : family_(family), names_(std::move(names)), reason_("model not loaded: " + model) {}
  Family family() const override { return family_; }
  std::vector<std::string> RuleNames() const override { return names_; }
  std::string NotReadyReason() const override { return reason_; }
  bool IsExpensive() const override { return true; }
  void Evaluate(const request::Request&, SignalOutput& out) const override {
    out.error = NotReadyReason();
  }

 private:
  Family family_;
  std::vector<std::string> names_;
  std::string reason_;
};

}  // namespace

std::unique_ptr<Signal> MakeModelBackedSignal(Family family, const config::Config& c,
                                              const std::string& why) {
  if (!why.empty()) {
    std::unique_ptr<Signal> placeholder = MakeModelBackedSignal(family, c, "");
    if (!placeholder) return nullptr;
    return std::make_unique<ModelBackedSignal>(family, placeholder->RuleNames(), why);
  }
  const config::Signals& s = c.routing.signals;
  switch (family) {
    case Family::kEmbedding:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.embeddings),
                                                 "semantic embedding model");
    case Family::kDomain:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.domains),
                                                 "domain classifier");
    case Family::kFactCheck:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.fact_check),
                                                 "fact-check classifier");
    case Family::kUserFeedback:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.user_feedbacks),
                                                 "feedback detector");
    case Family::kReask:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.reasks),
                                                 "semantic embedding model");
    case Family::kPreference:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.preferences),
                                                 "preference model");
    case Family::kComplexity: {
      std::vector<std::string> names;
      for (const auto& r : s.complexity) {
        for (const char* level : {":easy", ":medium", ":hard"}) names.push_back(r.name + level);
      }
      return std::make_unique<ModelBackedSignal>(family, names, "semantic embedding model");
    }
    case Family::kJailbreak:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.jailbreak),
                                                 "jailbreak classifier");
    case Family::kPii:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.pii), "PII classifier");
    case Family::kKb:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.kb),
                                                 "knowledge-base embedding model");
    case Family::kSessionMetric:
      return std::make_unique<ModelBackedSignal>(family, RuleNamesOf(s.session_metrics),
                                                 "session state store");
    default:
      return nullptr;
  }
}

}  // namespace vsr::signals
