// The domain family: a sequence classifier (MMLU-style categories) reads the evaluation text.
// A class's label maps to the domain rule that lists it in mmlu_categories, or to the rule of
// the same name. As upstream: when the probabilities are confident (normalized entropy < 0.4)
// only the top class can match, and only at >= the classifier module's threshold; when they
// are spread, every class at >= threshold matches. Each match's confidence is its probability.
#include <algorithm>
#include <cmath>

#include "common/strings.h"
#include "signals/learned.h"

namespace vsr::signals {

std::string DomainRuleFor(const std::vector<config::DomainSignal>& rules,
                          const std::string& label) {
  const std::string lower = ToLower(label);
  for (const config::DomainSignal& r : rules) {
    for (const std::string& m : r.mmlu_categories) {
      if (ToLower(m) == lower) return r.name;
    }
  }
  for (const config::DomainSignal& r : rules) {
    if (r.mmlu_categories.empty() && ToLower(r.name) == lower) return r.name;
  }
  return {};
}

namespace {

// Entropy of `p` divided by the entropy of the uniform distribution over as many classes.
double NormalizedEntropy(const std::vector<float>& p) {
  if (p.size() < 2) return 0;
  double h = 0;
  for (float x : p) {
    if (x > 0) h -= x * std::log(x);
  }
  return h / std::log(static_cast<double>(p.size()));
}

class DomainSignal final : public Signal {
 public:
  DomainSignal(const config::Config& c, std::shared_ptr<const ml::SequenceClassifier> model,
               const std::vector<std::string>& labels)
      : rules_(c.routing.signals.domains),
        threshold_(c.global.model_catalog.modules.classifier.domain.threshold),
        model_(std::move(model)) {
    for (const std::string& label : labels) rule_of_label_.push_back(DomainRuleFor(rules_, label));
  }
  Family family() const override { return Family::kDomain; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    const std::vector<float> p = model_->Classify(request.evaluation_text);
    if (p.empty()) return;
    const auto top = ml::ArgMax(p);
    if (top < rule_of_label_.size() && !rule_of_label_[top].empty()) out.confidence = p[top];
    const auto match = [&](size_t i) {
      if (i >= rule_of_label_.size() || rule_of_label_[i].empty() || p[i] < threshold_) return;
      const std::string& name = rule_of_label_[i];
      if (std::find(out.matched.begin(), out.matched.end(), name) != out.matched.end()) return;
      out.matched.push_back(name);
      out.confidences["domain:" + name] = p[i];
    };
    if (NormalizedEntropy(p) < 0.4) {
      match(top);
    } else {
      for (size_t i = 0; i < p.size(); ++i) match(i);
    }
  }

 private:
  std::vector<config::DomainSignal> rules_;
  double threshold_;
  std::shared_ptr<const ml::SequenceClassifier> model_;
  std::vector<std::string> rule_of_label_;
};

}  // namespace

std::unique_ptr<Signal> MakeDomainSignal(const config::Config& c, ml::ModelStore& models,
                                         std::string& error) {
  std::vector<std::string> labels;
  const ModelRef ref = ClassifierModel(c, Family::kDomain);
  auto model = LoadClassifier(ref, models, labels, error);
  if (model) return std::make_unique<DomainSignal>(c, std::move(model), labels);
  // As upstream: the in-tree classifier first, an enabled MCP classifier when there is none.
  if (!c.global.model_catalog.modules.classifier.mcp.enabled) return nullptr;
  return MakeMcpDomainSignal(c, ref.path, error);
}

}  // namespace vsr::signals
