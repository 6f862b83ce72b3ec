// response_jailbreak: the prompt-guard classifier reads the model's answer too, catching
// adversarial output that passed the request-side checks (upstream's res_filter_jailbreak). A
// non-streamed answer whose text is labelled "jailbreak" at >= `threshold` (else
// prompt_guard.threshold, else 0.5) is, by `action`: `block` -> 403 "Response blocked: jailbreak
// content detected in LLM output"; `header` (default) -> x-vsr-response-jailbreak-detected,
// -type and -confidence on the response; `none` -> recorded only (replay). A classifier error
// lets the answer through (recorded in llm_plugin_execution_errors_total).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ml/models.h"
#include "observability/router_metrics.h"
#include "plugins/plugin.h"

namespace vsr::plugins {

class ResponseJailbreakPlugin final : public Plugin {
 public:
  ResponseJailbreakPlugin(const config::ResponseJailbreakPluginConfig& cfg,
                          double prompt_guard_threshold,
                          std::shared_ptr<const ml::SequenceClassifier> classifier,
                          std::vector<std::string> labels,
                          std::shared_ptr<observability::RouterMetrics> metrics);
  std::string_view type() const override { return "response_jailbreak"; }
  void OnAnswer(RequestContext& ctx, AnswerContext& answer) override;
  bool screens_answers() const override { return true; }

 private:
  std::string action_;
  double threshold_;
  std::shared_ptr<const ml::SequenceClassifier> classifier_;
  std::vector<std::string> labels_;
  std::shared_ptr<observability::RouterMetrics> metrics_;
};

}  // namespace vsr::plugins
