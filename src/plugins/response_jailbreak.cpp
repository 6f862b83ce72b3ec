#include "plugins/response_jailbreak.h"

#include <chrono>
#include <cstdio>

#include "plugins/answer_text.h"

namespace vsr::plugins {

ResponseJailbreakPlugin::ResponseJailbreakPlugin(
    const config::ResponseJailbreakPluginConfig& cfg, double prompt_guard_threshold,
    std::shared_ptr<const ml::SequenceClassifier> classifier, std::vector<std::string> labels,
    std::shared_ptr<observability::RouterMetrics> metrics)
    : action_(cfg.action.empty() ? "header" : cfg.action),
      threshold_(cfg.threshold > 0            ? cfg.threshold
                 : prompt_guard_threshold > 0 ? prompt_guard_threshold
                                              : 0.5),
      classifier_(std::move(classifier)),
      labels_(std::move(labels)),
      metrics_(std::move(metrics)) {}

void ResponseJailbreakPlugin::OnAnswer(RequestContext& ctx, AnswerContext& answer) {
  const std::string text = AssistantText(answer.completion);
  if (text.empty()) return;
  const auto started = std::chrono::steady_clock::now();
  const std::vector<float> p = classifier_->Classify(text);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string decision = ctx.decision != nullptr ? ctx.decision->name : "";
  const size_t top = ml::ArgMax(p);
  if (p.empty() || top >= labels_.size()) {
    if (metrics_) metrics_->RecordPluginError("response_jailbreak", "detection_error");
    return;
  }
  const bool detected = labels_[top] == "jailbreak" && p[top] >= threshold_;
  if (metrics_) {
    metrics_->RecordPluginExecution("response_jailbreak", decision,
                                    detected ? "detected" : "not_detected", seconds);
  }
  if (!detected) return;
  ctx.response_jailbreak_detected = true;
  ctx.response_jailbreak_type = labels_[top];
  ctx.response_jailbreak_confidence = p[top];
  if (action_ == "block") {
    answer.block_status = 403;
    answer.block_message = "Response blocked: jailbreak content detected in LLM output";
  } else if (action_ != "none") {
    char confidence[32];
    std::snprintf(confidence, sizeof confidence, "%.3f", static_cast<double>(p[top]));
    answer.headers.emplace_back("x-vsr-response-jailbreak-detected", "true");
    answer.headers.emplace_back("x-vsr-response-jailbreak-type", labels_[top]);
    answer.headers.emplace_back("x-vsr-response-jailbreak-confidence", confidence);
  }
}

}  // namespace vsr::plugins
