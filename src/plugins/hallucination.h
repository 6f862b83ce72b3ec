// hallucination: screens answers to questions the fact_check signal flagged (its rule
// `needs_fact_check` matched), as upstream's res_filter_hallucination does.
//  - Grounded (the request carries tool results): the hallucination detector marks unsupported
//    spans of the answer; `hallucination_action` header (default) sets
//    x-vsr-hallucination-detected / -spans and x-vsr-fact-check-needed, `body` puts a warning
//    in front of the answer's text (with spans and NLI explanations when
//    include_hallucination_details), `none` records only.
//  - Ungrounded (no tools, no tool results): the answer is an unverified factual response;
//    `unverified_factual_action` header (default) sets x-vsr-unverified-factual-response,
//    x-vsr-fact-check-needed and x-vsr-verification-context-missing, `body` prefixes a note.
// Unknown action words act as `header`, as upstream. Streams are not screened (upstream neither).
#pragma once

#include <memory>

#include "observability/router_metrics.h"
#include "plugins/hallucination_detector.h"
#include "plugins/plugin.h"

namespace vsr::plugins {

class HallucinationPlugin final : public Plugin {
 public:
  // `detector` may be null (no model): then grounded answers pass unscreened.
  HallucinationPlugin(const config::HallucinationPluginConfig& cfg,
                      std::shared_ptr<const HallucinationDetector> detector,
                      std::shared_ptr<observability::RouterMetrics> metrics)
      : cfg_(cfg), detector_(std::move(detector)), metrics_(std::move(metrics)) {}
  std::string_view type() const override { return "hallucination"; }
  void OnRouted(RequestContext& ctx) override { ctx.hallucination_enabled = true; }
  void OnAnswer(RequestContext& ctx, AnswerContext& answer) override;
  bool screens_answers() const override { return true; }

 private:
  void Detect(RequestContext& ctx, AnswerContext& answer, const std::string& grounding);
  void MarkUnverified(AnswerContext& answer);

  config::HallucinationPluginConfig cfg_;
  std::shared_ptr<const HallucinationDetector> detector_;
  std::shared_ptr<observability::RouterMetrics> metrics_;
};

// The warning put in front of the answer for `result` (upstream's wording).
std::string HallucinationWarning(const HallucinationResult& result, bool details, bool nli_spans);

}  // namespace vsr::plugins
