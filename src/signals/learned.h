// Factories for the families that read a learned model, and helpers they share. Each factory
// loads its model(s) through the process's ModelStore; when a model cannot be loaded it
// returns null with `error` saying which model, where the router looked and how to fix it —
// registry.cpp then installs a placeholder that reports exactly that (eval, /ready, startup).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "ml/model_store.h"
#include "signals/label_mapping.h"
#include "signals/model_refs.h"
#include "signals/prototype_bank.h"
#include "signals/signal.h"

namespace vsr::signals {

std::unique_ptr<Signal> MakeEmbeddingSignal(const config::Config& c, ml::ModelStore& models,
                                            std::string& error);
std::unique_ptr<Signal> MakeDomainSignal(const config::Config& c, ml::ModelStore& models,
                                         std::string& error);
// The domain family through the MCP classifier (classifier.mcp), for when no in-tree domain
// model loads (`missing_model`: where that model was looked for, which its errors name); null
// with `error` when its options cannot work (no command, a bad URL).
std::unique_ptr<Signal> MakeMcpDomainSignal(const config::Config& c,
                                            const std::string& missing_model, std::string& error);
// The domain rule a class label stands for: the rule listing it in mmlu_categories, else a rule
// without mmlu_categories of that name; "" when none.
std::string DomainRuleFor(const std::vector<config::DomainSignal>& rules, const std::string& label);
std::unique_ptr<Signal> MakeJailbreakSignal(const config::Config& c, ml::ModelStore& models,
                                            std::string& error);
std::unique_ptr<Signal> MakePiiSignal(const config::Config& c, ml::ModelStore& models,
                                      std::string& error);
std::unique_ptr<Signal> MakeComplexitySignal(const config::Config& c, ml::ModelStore& models,
                                             std::string& error);
std::unique_ptr<Signal> MakeReaskSignal(const config::Config& c, ml::ModelStore& models,
                                        std::string& error);
std::unique_ptr<Signal> MakePreferenceSignal(const config::Config& c, ml::ModelStore& models,
                                             std::string& error);
std::unique_ptr<Signal> MakeFactCheckSignal(const config::Config& c, ml::ModelStore& models,
                                            std::string& error);
std::unique_ptr<Signal> MakeKbSignal(const config::Config& c, ml::ModelStore& models,
                                     std::string& error);
std::unique_ptr<Signal> MakeFeedbackSignal(const config::Config& c, ml::ModelStore& models,
                                           std::string& error);

// Embeddings of `texts` in batches of a few (the candidate phrases of a rule).
std::vector<std::vector<float>> EmbedAll(const ml::Embedder& embedder,
                                         const std::vector<std::string>& texts);

// The prototype bank of `texts` (a rule's candidates, examples or exemplars).
PrototypeBank BankOf(const ml::Embedder& embedder, const std::vector<std::string>& texts,
                     const PrototypeOptions& options);

// The model at `ref`'s folder through one of the store's loaders (`load`); with `labels`, also
// the class names (the mapping file's when configured, else the model's). Null with the
// Missing() text when the folder is unset or unusable.
template <typename Model>
std::shared_ptr<const Model> LoadRef(
    const ModelRef& ref, ml::ModelStore& models,
    std::shared_ptr<const Model> (ml::ModelStore::*load)(const std::string&, std::string&),
    std::vector<std::string>* labels, std::string& error) {
  std::string load_error = ref.path.empty() ? "no model path is configured" : "";
  std::shared_ptr<const Model> model;
  const std::string folder = ref.path.empty() ? std::string() : ref.Folder();
  if (!ref.path.empty()) model = (models.*load)(folder, load_error);
  if constexpr (requires(const Model& m) { m.labels(); }) {
    if (model && labels &&
        !ResolveLabels(model->labels(), ref.MappingFile(folder), *labels, load_error)) {
      model = nullptr;
    }
  }
  if (!model) error = ref.Missing(load_error);
  return model;
}

// The embedder at `ref`'s folder; null with the Missing() text otherwise.
inline std::shared_ptr<const ml::Embedder> LoadEmbedder(const ModelRef& ref, ml::ModelStore& models,
                                                        std::string& error) {
  return LoadRef(ref, models, &ml::ModelStore::LoadEmbedder, nullptr, error);
}

// The classifier at `ref`'s folder, with the labels of its mapping file when configured; null
// with the Missing() text otherwise.
inline std::shared_ptr<const ml::SequenceClassifier> LoadClassifier(
    const ModelRef& ref, ml::ModelStore& models, std::vector<std::string>& labels,
    std::string& error) {
  return LoadRef(ref, models, &ml::ModelStore::LoadSequenceClassifier, &labels, error);
}

// The PII token classifier of `c` with the labels of its mapping file (for LABEL_<n> names);
// null with the Missing() text otherwise.
inline std::shared_ptr<const ml::TokenClassifier> LoadPiiClassifier(
    const config::Config& c, ml::ModelStore& models, std::vector<std::string>& labels,
    std::string& error) {
  return LoadRef(ClassifierModel(c, Family::kPii), models, &ml::ModelStore::LoadTokenClassifier,
                 &labels, error);
}

// The fact-check classifier's verdict on its probabilities: class 1 at >= `threshold` means the
// text needs fact-checking; the confidence is of the verdict given (upstream's semantics).
struct FactCheckVerdict {
  bool needed = false;
  double confidence = 1.0;
};
FactCheckVerdict JudgeFactCheck(const std::vector<float>& p, double threshold);
// modules.hallucination_mitigation.fact_check.threshold, else 0.7.
double FactCheckThreshold(const config::Config& c);

// The feedback detector's verdict: its top label, or "satisfied" below `threshold` (with the
// complementary confidence).
struct FeedbackVerdict {
  std::string label = "satisfied";
  double confidence = 1.0;
};
FeedbackVerdict JudgeFeedback(const std::vector<float>& p, const std::vector<std::string>& labels,
                              double threshold);
// modules.feedback_detector.threshold, else 0.5.
double FeedbackThreshold(const config::Config& c);

// An entity type as users name it: "LABEL_3" -> the mapping's class 3 (B-/I- removed).
std::string PiiTypeName(const std::string& type, const std::vector<std::string>& labels);

// The texts a history-aware family (jailbreak, PII) reads: the evaluation text, then — when
// `include_history` — earlier user messages and system/assistant messages; empty ones and
// repeats skipped.
std::vector<std::string> TextsToScreen(const request::Request& request, bool include_history);

}  // namespace vsr::signals
