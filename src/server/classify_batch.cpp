// POST /api/v1/classify/batch on the configured classifiers. Upstream runs a "unified" LoRA
// classifier here and answers 503 without it; this router answers from the models the other
// classify endpoints use — the domain classifier (intent), the PII token classifier and the
// prompt guard (security) — in upstream's response shape.
#include <algorithm>
#include <chrono>
#include <map>

#include "server/classify_models.h"
#include "signals/learned.h"

namespace vsr::server {
namespace {

namespace json = boost::json;

struct Verdict {
  std::string category;
  double confidence = 0;
};

ClassifyOutcome Unavailable(const std::string& why) {
  return {503,
          "UNIFIED_CLASSIFIER_UNAVAILABLE",
          "Batch classification requires unified classifier. Please ensure models are available "
          "in ./models/ directory. (" +
              why + ")",
          {}};
}

// Intent and security: the top label of a sequence classifier.
bool SequenceVerdicts(const config::Config& c, ml::ModelStore& models, signals::Family family,
                      const std::vector<std::string>& texts, std::vector<Verdict>& out,
                      std::string& error) {
  std::vector<std::string> labels;
  auto model = signals::LoadClassifier(signals::ClassifierModel(c, family), models, labels, error);
  if (!model) return false;
  for (const std::string& text : texts) {
    const std::vector<float> p = model->Classify(text);
    const size_t top = ml::ArgMax(p);
    Verdict v;
    v.confidence = p.empty() ? 0.0 : p[top];
    v.category = top < labels.size() ? labels[top] : "category_" + std::to_string(top);
    // Security: "safe" unless the guard says jailbreak at its threshold (as /classify/security).
    if (family == signals::Family::kJailbreak && !GuardSaysJailbreak(c, v.category, v.confidence)) {
      v.category = "safe";
    }
    out.push_back(std::move(v));
  }
  return true;
}

// PII: the first entity type at or above the module's threshold ("no_pii" when none) and the
// strongest such entity's confidence; with none, 1 minus the strongest entity below it.
bool PiiVerdicts(const config::Config& c, ml::ModelStore& models,
                 const std::vector<std::string>& texts, std::vector<Verdict>& out,
                 std::string& error) {
  std::vector<std::string> labels;
  auto model = signals::LoadPiiClassifier(c, models, labels, error);
  if (!model) return false;
  const double threshold = c.global.model_catalog.modules.classifier.pii.threshold;
  for (const std::string& text : texts) {
    Verdict v{"no_pii", 1.0};
    double strongest = 0, below = 0;
    for (const ml::TokenEntity& e : model->Entities(text)) {
      if (e.confidence < threshold) {
        below = std::max<double>(below, e.confidence);
        continue;
      }
      if (strongest == 0) v.category = signals::PiiTypeName(e.type, labels);
      strongest = std::max<double>(strongest, e.confidence);
    }
    v.confidence = strongest > 0 ? strongest : 1.0 - below;
    out.push_back(std::move(v));
  }
  return true;
}

}  // namespace

ClassifyOutcome ClassifyBatch(const config::Config& c, ml::ModelStore& models,
                              const json::object& request) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> texts;
  for (const json::value& t : request.at("texts").as_array()) {
    if (!t.is_string()) return {400, "INVALID_INPUT", "texts must be an array of strings", {}};
    texts.emplace_back(t.as_string());
  }
  const int configured = c.global.services.api.batch_classification.max_batch_size;
  const size_t limit = configured > 0 ? static_cast<size_t>(configured) : 1000;
  if (texts.size() > limit) {
    return {400,
            "INVALID_INPUT",
            "texts array holds " + std::to_string(texts.size()) + " texts; at most " +
                std::to_string(limit) +
                " are allowed (global.services.api.batch_classification.max_batch_size)",
            {}};
  }
  const json::value* task_value = request.if_contains("task_type");
  const std::string task =
      task_value != nullptr && task_value->is_string() ? std::string(task_value->as_string()) : "";
  std::vector<Verdict> verdicts;
  std::string error;
  const bool ok =
      task == "pii" ? PiiVerdicts(c, models, texts, verdicts, error)
      : task == "security"
          ? SequenceVerdicts(c, models, signals::Family::kJailbreak, texts, verdicts, error)
          : SequenceVerdicts(c, models, signals::Family::kDomain, texts, verdicts, error);
  if (!ok) return Unavailable(error);
  const json::value* options = request.if_contains("options");
  const json::value* probabilities = options != nullptr && options->is_object()
                                         ? options->as_object().if_contains("return_probabilities")
                                         : nullptr;
  const bool with_probabilities =
      probabilities != nullptr && probabilities->is_bool() && probabilities->as_bool();
  const int64_t total_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - start)
                               .count();
  json::array results;
  std::map<std::string, int64_t> distribution;
  double confidence_sum = 0;
  int64_t low_confidence = 0;
  for (const Verdict& v : verdicts) {
    json::object r{{"category", v.category},
                   {"confidence", v.confidence},
                   {"processing_time_ms", total_ms / static_cast<int64_t>(verdicts.size())}};
    // As upstream: the probability of the chosen category only.
    const bool intent = task != "pii" && task != "security";
    if (with_probabilities && intent) r["probabilities"] = json::object{{v.category, v.confidence}};
    results.push_back(std::move(r));
    ++distribution[v.category];
    confidence_sum += v.confidence;
    if (v.confidence < 0.7) ++low_confidence;
  }
  json::object by_category;
  for (const auto& [category, n] : distribution) by_category[category] = n;
  ClassifyOutcome out;
  out.body["results"] = std::move(results);
  out.body["total_count"] = static_cast<int64_t>(texts.size());
  out.body["processing_time_ms"] = total_ms;
  out.body["statistics"] =
      json::object{{"category_distribution", std::move(by_category)},
                   {"avg_confidence", confidence_sum / static_cast<double>(verdicts.size())},
                   {"low_confidence_count", low_confidence}};
  return out;
}

}  // namespace vsr::server
