// The user_feedback family: once the assistant has answered, the feedback detector labels the
// user's next message (satisfied, need_clarification, wrong_answer, want_different — the
// labels of its mapping file or config.json). Below the module's threshold (default 0.5) the
// message counts as "satisfied". The rule named like the label matches.

#include "signals/learned.h"

namespace vsr::signals {
namespace {

class FeedbackSignal final : public Signal {
 public:
  FeedbackSignal(const config::Config& c, std::shared_ptr<const ml::SequenceClassifier> model,
                 std::vector<std::string> labels)
      : rules_(c.routing.signals.user_feedbacks),
        model_(std::move(model)),
        labels_(std::move(labels)),
        threshold_(FeedbackThreshold(c)) {}
  Family family() const override { return Family::kUserFeedback; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    if (!request.has_assistant_reply) return;  // feedback is about an answer
    FeedbackVerdict v;
    if (!request.evaluation_text.empty()) {
      const std::vector<float> p = model_->Classify(request.evaluation_text);
      if (p.empty()) return;
      v = JudgeFeedback(p, labels_, threshold_);
    }
    const std::string& label = v.label;
    const double confidence = v.confidence;
    out.confidence = confidence;
    for (const auto& r : rules_) {
      if (r.name != label) continue;
      out.matched.push_back(label);
      out.confidences["user_feedback:" + label] = confidence;
    }
  }

 private:
  std::vector<config::DescribedSignal> rules_;
  std::shared_ptr<const ml::SequenceClassifier> model_;
  std::vector<std::string> labels_;
  double threshold_;
};

}  // namespace

FeedbackVerdict JudgeFeedback(const std::vector<float>& p, const std::vector<std::string>& labels,
                              double threshold) {
  FeedbackVerdict v;
  if (p.empty()) return v;
  const auto top = ml::ArgMax(p);
  v.confidence = p[top];
  if (top < labels.size()) v.label = labels[top];
  if (v.confidence < threshold) {
    v.label = "satisfied";
    v.confidence = 1.0 - v.confidence;
  }
  return v;
}

double FeedbackThreshold(const config::Config& c) {
  const double t = c.global.model_catalog.modules.feedback_detector.threshold;
  return t > 0 ? t : 0.5;
}

std::unique_ptr<Signal> MakeFeedbackSignal(const config::Config& c, ml::ModelStore& models,
                                           std::string& error) {
  std::vector<std::string> labels;
  auto model = LoadClassifier(ClassifierModel(c, Family::kUserFeedback), models, labels, error);
  if (!model) return nullptr;
  return std::make_unique<FeedbackSignal>(c, std::move(model), std::move(labels));
}

}  // namespace vsr::signals
