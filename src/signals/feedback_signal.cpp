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
        labels_(std::move(labels)) {
    const double t = c.global.model_catalog.modules.feedback_detector.threshold;
    threshold_ = t > 0 ? t : 0.5;
  }
  Family family() const override { return Family::kUserFeedback; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    if (!request.has_assistant_reply) return;  // feedback is about an answer
    std::string label = "satisfied";
    double confidence = 1.0;
    if (!request.evaluation_text.empty()) {
      const std::vector<float> p = model_->Classify(request.evaluation_text);
      if (p.empty()) return;
      const auto top = ml::ArgMax(p);
      confidence = p[top];
      if (top < labels_.size()) label = labels_[top];
      if (confidence < threshold_) {
        label = "satisfied";
        confidence = 1.0 - confidence;
      }
    }
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

std::unique_ptr<Signal> MakeFeedbackSignal(const config::Config& c, ml::ModelStore& models,
                                           std::string& error) {
  std::vector<std::string> labels;
  auto model = LoadClassifier(ClassifierModel(c, Family::kUserFeedback), models, labels, error);
  if (!model) return nullptr;
  return std::make_unique<FeedbackSignal>(c, std::move(model), std::move(labels));
}

}  // namespace vsr::signals
