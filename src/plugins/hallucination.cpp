#include "plugins/hallucination.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/strings.h"
#include "plugins/answer_text.h"

namespace vsr::plugins {
namespace {

constexpr const char* kUnverifiedWarning =
    "[Unverified Response] This response contains factual claims that could not be verified "
    "due to missing context.";

// What grounds the answer: the request's tool results, joined by blank lines.
std::string ToolResults(const request::Request& r) {
  std::vector<std::string> results;
  for (const request::Message& m : r.messages) {
    if ((m.role == "tool" || m.is_tool_result) && !m.text.empty()) results.push_back(m.text);
  }
  return Join(results, "\n\n");
}

std::string Format(const char* format, double value) {
  char buf[128];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

}  // namespace

std::string HallucinationWarning(const HallucinationResult& result, bool details, bool nli_spans) {
  const std::string head = "[Hallucination Warning] This response may contain unsupported claims";
  const std::string tail = " Please verify the information independently.";
  if (!details) return head + "." + tail;
  std::string w = head + Format(" (confidence: %.0f%%).", result.confidence * 100);
  if (nli_spans && !result.spans.empty()) {
    w += " Detailed analysis:";
    for (size_t i = 0; i < result.spans.size(); ++i) {
      const HallucinationSpan& s = result.spans[i];
      w += " [" + std::to_string(i + 1) + "] \"" + s.text + "\" (NLI: " + s.nli_label +
           Format(", confidence: %.0f%%", s.nli_confidence * 100) +
           ", severity: " + SeverityName(s.severity) + ")";
      if (!s.explanation.empty()) w += " - " + s.explanation;
    }
  } else if (!result.spans.empty()) {
    std::vector<std::string> texts;
    for (const HallucinationSpan& s : result.spans) texts.push_back(s.text);
    w += " Unsupported spans: \"" + Join(texts, "\", \"") + "\".";
  }
  return w + tail;
}

void HallucinationPlugin::OnAnswer(RequestContext& ctx, AnswerContext& answer) {
  if (!FactCheckNeeded(ctx) || ctx.request == nullptr) return;
  // Context rag injected as a tool message grounds the answer (upstream's order).
  const std::string grounding =
      ctx.rag_as_tool && !ctx.rag_context.empty() ? ctx.rag_context : ToolResults(*ctx.request);
  if (!grounding.empty()) {
    Detect(ctx, answer, grounding);
  } else if (ctx.request->tool_definitions == 0) {
    MarkUnverified(answer);
  }
}

void HallucinationPlugin::Detect(RequestContext& ctx, AnswerContext& answer,
                                 const std::string& grounding) {
  if (!detector_) return;
  const std::string text = AssistantText(answer.completion);
  if (text.empty()) return;
  const auto started = std::chrono::steady_clock::now();
  const HallucinationResult result =
      detector_->Detect(grounding, ctx.request->current_user_text, text, cfg_.use_nli);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string decision = ctx.decision != nullptr ? ctx.decision->name : "";
  if (metrics_) {
    metrics_->RecordHallucinationDetection(seconds);
    metrics_->RecordPluginExecution(
        "hallucination", decision,
        result.detected ? (cfg_.use_nli ? "detected_nli" : "detected") : "not_detected", seconds);
  }
  ctx.hallucination_confidence = result.confidence;
  if (!result.detected) return;
  ctx.hallucination_detected = true;
  for (const HallucinationSpan& s : result.spans) ctx.hallucination_spans.push_back(s.text);
  const std::string& action = cfg_.hallucination_action;
  if (action == "none") return;
  if (action == "body") {
    const bool nli_spans = cfg_.use_nli;  // spans carry NLI labels (or UNKNOWN) only then
    answer.rewritten |= PrependToAssistantText(
        answer.completion,
        HallucinationWarning(result, cfg_.include_hallucination_details, nli_spans));
    return;
  }
  answer.headers.emplace_back("x-vsr-hallucination-detected", "true");
  answer.headers.emplace_back("x-vsr-fact-check-needed", "true");
  if (!ctx.hallucination_spans.empty()) {
    std::string spans = Join(ctx.hallucination_spans, "; ");
    if (spans.size() > 500) spans = spans.substr(0, 500) + "...";
    // The spans are model output: no line breaks or other control bytes into a header.
    for (char& c : spans) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    answer.headers.emplace_back("x-vsr-hallucination-spans", spans);
  }
}

void HallucinationPlugin::MarkUnverified(AnswerContext& answer) {
  if (metrics_) metrics_->RecordUnverifiedFactualResponse();
  const std::string& action = cfg_.unverified_factual_action;
  if (action == "none") return;
  if (action == "body") {
    answer.rewritten |= PrependToAssistantText(answer.completion, kUnverifiedWarning);
    return;
  }
  answer.headers.emplace_back("x-vsr-unverified-factual-response", "true");
  answer.headers.emplace_back("x-vsr-fact-check-needed", "true");
  answer.headers.emplace_back("x-vsr-verification-context-missing", "true");
}

}  // namespace vsr::plugins
