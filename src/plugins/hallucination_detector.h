// Hallucination detection as upstream runs it (LettuceDetect-style token classifier, optional NLI
// explainer): the detector reads "<context> Question: <question> [SEP] <answer>" and labels each
// answer token supported (0) or hallucinated (1); runs of tokens labelled 1 with probability >=
// `threshold` are the unsupported spans. With an NLI model each span is then checked against the
// context (entailment / neutral / contradiction), which sets its severity and explanation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/model_global.h"
#include "ml/models.h"

namespace vsr::plugins {

struct HallucinationSpan {
  std::string text;
  size_t start = 0, end = 0;  // byte range in the answer
  double confidence = 0;      // the span's most confident token
  std::string nli_label;      // ENTAILMENT | NEUTRAL | CONTRADICTION | UNKNOWN ("" without NLI)
  double nli_confidence = 0;
  int severity = 0;  // 0 low .. 4 critical
  std::string explanation;
};

struct HallucinationResult {
  bool detected = false;
  double confidence = 0;
  std::vector<HallucinationSpan> spans;
};

class HallucinationDetector {
 public:
  // `module`: global.model_catalog.modules.hallucination_mitigation (thresholds and span
  // filters of its detector and explainer blocks). `nli` may be null.
  HallucinationDetector(std::shared_ptr<const ml::TokenClassifier> detector,
                        std::shared_ptr<const ml::SequenceClassifier> nli,
                        std::vector<std::string> nli_labels,
                        const config::HallucinationModule& module);
  // `with_nli`: the decision asks for explanations (use_nli); without an NLI model the spans get
  // label UNKNOWN, as upstream's fallback does.
  HallucinationResult Detect(const std::string& context, const std::string& question,
                             const std::string& answer, bool with_nli) const;
  bool has_nli() const { return nli_ != nullptr; }

 private:
  std::vector<HallucinationSpan> Spans(const std::string& context, const std::string& question,
                                       const std::string& answer, double& confidence) const;
  void Explain(const std::string& premise, HallucinationSpan& span) const;

  std::shared_ptr<const ml::TokenClassifier> detector_;
  std::shared_ptr<const ml::SequenceClassifier> nli_;
  std::vector<std::string> nli_labels_;
  double threshold_;
  double nli_threshold_;
  int min_span_words_;
  double min_span_confidence_;
  bool nli_filtering_;
  double entailment_threshold_;
};

// The word for a severity (0 low, 1 low-medium, 2 medium, 3 high, 4 critical).
const char* SeverityName(int severity);

}  // namespace vsr::plugins
