// The fact_check family: the fact-check classifier reads the evaluation text; class 1 at >=
// the module's threshold (default 0.7) means "needs_fact_check", anything else
// "no_fact_check_needed" (with the complementary confidence), and the rule of that name, if
// configured, matches — upstream's two signal names.

#include "signals/learned.h"

namespace vsr::signals {
namespace {

class FactCheckSignal final : public Signal {
 public:
  FactCheckSignal(const config::Config& c, std::shared_ptr<const ml::SequenceClassifier> model)
      : rules_(c.routing.signals.fact_check),
        model_(std::move(model)),
        threshold_(FactCheckThreshold(c)) {}
  Family family() const override { return Family::kFactCheck; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    FactCheckVerdict v;
    if (!request.evaluation_text.empty()) {
      const std::vector<float> p = model_->Classify(request.evaluation_text);
      if (p.empty()) return;
      v = JudgeFactCheck(p, threshold_);
    }
    const std::string name = v.needed ? "needs_fact_check" : "no_fact_check_needed";
    const double confidence = v.confidence;
    out.confidence = confidence;
    for (const auto& r : rules_) {
      if (r.name != name) continue;
      out.matched.push_back(name);
      out.confidences["fact_check:" + name] = confidence;
    }
  }

 private:
  std::vector<config::DescribedSignal> rules_;
  std::shared_ptr<const ml::SequenceClassifier> model_;
  double threshold_;
};

}  // namespace

FactCheckVerdict JudgeFactCheck(const std::vector<float>& p, double threshold) {
  FactCheckVerdict v;
  if (p.empty()) return v;
  const auto top = ml::ArgMax(p);
  v.needed = top == 1 && p[top] >= threshold;
  v.confidence = top == 1 && !v.needed ? 1.0 - p[top] : p[top];
  return v;
}

double FactCheckThreshold(const config::Config& c) {
  const double t = c.global.model_catalog.modules.hallucination_mitigation.fact_check.threshold;
  return t > 0 ? t : 0.7;
}

std::unique_ptr<Signal> MakeFactCheckSignal(const config::Config& c, ml::ModelStore& models,
                                            std::string& error) {
  std::vector<std::string> labels;
  auto model = LoadClassifier(ClassifierModel(c, Family::kFactCheck), models, labels, error);
  if (!model) return nullptr;
  return std::make_unique<FactCheckSignal>(c, std::move(model));
}

}  // namespace vsr::signals
