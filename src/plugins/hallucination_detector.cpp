#include "plugins/hallucination_detector.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/strings.h"

namespace vsr::plugins {
namespace {

size_t WordCount(const std::string& text) {
  std::istringstream in(text);
  size_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

std::string Percent(const char* format, double fraction) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, fraction * 100);
  return buf;
}

}  // namespace

const char* SeverityName(int severity) {
  switch (severity) {
    case 0:
      return "low";
    case 1:
      return "low-medium";
    case 2:
      return "medium";
    case 3:
      return "high";
    case 4:
      return "critical";
    default:
      return "unknown";
  }
}

HallucinationDetector::HallucinationDetector(std::shared_ptr<const ml::TokenClassifier> detector,
                                             std::shared_ptr<const ml::SequenceClassifier> nli,
                                             std::vector<std::string> nli_labels,
                                             const config::HallucinationModule& module)
    : detector_(std::move(detector)),
      nli_(std::move(nli)),
      nli_labels_(std::move(nli_labels)),
      threshold_(module.detector.threshold > 0 && module.detector.threshold <= 1
                     ? module.detector.threshold
                     : 0.5),
      nli_threshold_(module.explainer.threshold > 0 ? module.explainer.threshold : 0.7),
      min_span_words_(std::max(1, module.detector.min_span_length)),
      min_span_confidence_(std::max(0.0, module.detector.min_span_confidence)),
      nli_filtering_(module.detector.enable_nli_filtering),
      entailment_threshold_(module.detector.nli_entailment_threshold > 0
                                ? module.detector.nli_entailment_threshold
                                : 0.75) {
  for (std::string& l : nli_labels_) l = ToLower(l);
}

std::vector<HallucinationSpan> HallucinationDetector::Spans(const std::string& context,
                                                            const std::string& question,
                                                            const std::string& answer,
                                                            double& confidence) const {
  const std::string grounding = question.empty() ? context : context + " Question: " + question;
  const std::string input = grounding + " [SEP] " + answer;
  const size_t answer_start = grounding.size() + 7;
  const ml::TokenScores scores = detector_->Score(input);
  std::vector<HallucinationSpan> spans;
  HallucinationSpan open;
  bool is_open = false;
  const auto close = [&] {
    if (is_open && open.end > open.start && open.end <= answer.size()) {
      open.text = answer.substr(open.start, open.end - open.start);
      spans.push_back(open);
    }
    is_open = false;
  };
  size_t answer_tokens = 0, flagged = 0;
  double best = 0;
  for (size_t i = 0; i < scores.offsets.size(); ++i) {
    const auto [from, to] = scores.offsets[i];
    if (from < answer_start) continue;
    ++answer_tokens;
    const std::vector<float>& p = scores.probabilities[i];
    const size_t label = ml::ArgMax(p);
    const double conf = p.empty() ? 0 : p[label];
    if (label != 1 || conf < threshold_) {
      close();
      continue;
    }
    ++flagged;
    best = std::max(best, conf);
    if (!is_open) {
      open = HallucinationSpan{};
      open.start = from - answer_start;
      is_open = true;
    }
    open.end = to - answer_start;
    open.confidence = std::max(open.confidence, conf);
  }
  close();
  confidence = !spans.empty()      ? best
               : answer_tokens > 0 ? 1.0 - static_cast<double>(flagged) / answer_tokens
                                   : 1.0;
  return spans;
}

void HallucinationDetector::Explain(const std::string& premise, HallucinationSpan& span) const {
  const std::vector<float> p = nli_->Classify(premise + " [SEP] " + span.text);
  const size_t top = ml::ArgMax(p);
  const std::string label = top < nli_labels_.size() && !p.empty() ? nli_labels_[top] : "";
  span.nli_confidence = p.empty() ? 0 : p[top];
  if (label.find("contradict") != std::string::npos) {
    span.nli_label = "CONTRADICTION";
    span.severity = 4;
    span.explanation = Percent(
        "CONTRADICTION: This claim directly conflicts with the provided context (confidence: "
        "%.1f%%)",
        span.nli_confidence);
  } else if (label.find("neutral") != std::string::npos) {
    span.nli_label = "NEUTRAL";
    span.severity = 2;
    span.explanation = Percent(
        "FABRICATION: This claim is not supported by the provided context (confidence: %.1f%%)",
        span.nli_confidence);
  } else if (label.find("entail") != std::string::npos) {
    span.nli_label = "ENTAILMENT";
    span.severity = 1;
    span.explanation = Percent(
        "UNCERTAIN: Hallucination detector flagged this but NLI suggests it may be supported "
        "(confidence: %.1f%%)",
        span.nli_confidence);
  } else {
    span.nli_label = "ERROR";
    span.severity = 2;
    span.explanation = "Unable to determine relationship with context";
  }
}

HallucinationResult HallucinationDetector::Detect(const std::string& context,
                                                  const std::string& question,
                                                  const std::string& answer, bool with_nli) const {
  HallucinationResult result;
  std::vector<HallucinationSpan> spans = Spans(context, question, answer, result.confidence);
  result.detected = !spans.empty();
  const bool explain = with_nli && nli_ != nullptr;
  if (explain) result.confidence = 0;  // the max over spans of detector and NLI confidence
  for (HallucinationSpan& span : spans) {
    if (WordCount(span.text) < static_cast<size_t>(min_span_words_) ||
        span.confidence < min_span_confidence_) {
      continue;
    }
    if (explain) {
      Explain(context + " " + question, span);
      if (nli_filtering_ && span.nli_label == "ENTAILMENT" &&
          span.nli_confidence >= entailment_threshold_) {
        continue;
      }
      result.confidence = std::max({result.confidence, span.confidence, span.nli_confidence});
      if (span.nli_confidence < nli_threshold_) {
        if (span.severity > 0) --span.severity;
        char note[96];
        std::snprintf(note, sizeof note, " (NLI confidence %.0f%% below threshold %.0f%%)",
                      span.nli_confidence * 100, nli_threshold_ * 100);
        span.explanation += note;
      }
    } else if (with_nli) {  // asked for explanations, no NLI model: upstream's fallback
      span.nli_label = "UNKNOWN";
      span.severity = 2;
      span.explanation =
          Percent("Unsupported claim detected (confidence: %.1f%%)", result.confidence);
    }
    result.spans.push_back(std::move(span));
  }
  if (result.spans.empty()) result.detected = false;
  return result;
}

}  // namespace vsr::plugins
