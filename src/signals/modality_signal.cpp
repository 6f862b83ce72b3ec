// Modality (upstream classifier_category_entropy.go): AR, DIFFUSION or BOTH, by
// global.model_catalog.modules.modality_detector's method:
//   keyword     an image keyword -> DIFFUSION (0.8), with a both_keyword too -> BOTH (0.75),
//               else AR (0.8);
//   classifier  the modality classifier (mmBERT-32K modality router: class 0 AR, 1 DIFFUSION,
//               2 BOTH) alone; not ready without it;
//   hybrid      the classifier when it is sure (>= confidence_threshold); below that, keywords
//               confirm it (agreeing: mean confidence) or, when they disagree, the classifier
//               still wins above confidence_threshold x lower_threshold_ratio; without the
//               model, keywords alone.
#include "common/strings.h"
#include "common/utf8.h"
#include "ml/model_store.h"
#include "signals/families.h"
#include "signals/learned.h"

namespace vsr::signals {
namespace {

struct Verdict {
  std::string modality;
  double confidence = 0;
};

class ModalitySignal final : public Signal {
 public:
  ModalitySignal(std::vector<config::DescribedSignal> rules, config::ModalityDetectorModule module,
                 std::shared_ptr<const ml::SequenceClassifier> model, std::string missing)
      : rules_(std::move(rules)),
        module_(std::move(module)),
        method_(ToLower(module_.detection.method)),
        model_(std::move(model)),
        missing_(std::move(missing)) {
    for (const std::string& k : module_.detection.keywords) keywords_.push_back(utf8::ToLower(k));
    for (const std::string& k : module_.detection.both_keywords) both_.push_back(utf8::ToLower(k));
  }
  Family family() const override { return Family::kModality; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return model_ != nullptr; }
  std::string NotReadyReason() const override {
    if (!module_.enabled)
      return "modality detector disabled (global.model_catalog.modules.modality_detector.enabled)";
    if (method_ == "classifier" && !model_) return missing_;
    return {};
  }
  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    const Verdict v = Classify(request.evaluation_text, request.evaluation_text_lower);
    out.confidence = v.confidence;
    for (const auto& r : rules_) {
      if (IEquals(r.name, v.modality)) {
        out.matched.push_back(r.name);
        break;
      }
    }
  }

 private:
  Verdict Classify(const std::string& text, const std::string& lower) const {
    if (text.empty()) return {"AR", 1.0};
    if (method_ == "keyword" || !model_) return ByKeyword(lower);
    const Verdict model = ByModel(text);
    if (method_ == "classifier") return model;
    const double threshold = module_.detection.confidence_threshold;
    if (model.confidence >= threshold) return model;
    const Verdict keyword = ByKeyword(lower);
    if (keyword.modality == model.modality) {
      return {model.modality, (model.confidence + keyword.confidence) / 2};
    }
    if (model.confidence >= threshold * module_.detection.lower_threshold_ratio) return model;
    return keyword;
  }

  Verdict ByModel(const std::string& text) const {
    static const char* const kClasses[] = {"AR", "DIFFUSION", "BOTH"};
    const std::vector<float> p = model_->Classify(text);
    if (p.size() != 3) return {"AR", 0};  // upstream: a failed classification is AR
    const size_t top = ml::ArgMax(p);
    return {kClasses[top], p[top]};
  }

  Verdict ByKeyword(const std::string& lower) const {
    if (keywords_.empty()) return {"AR", 0.5};
    auto contains_any = [&](const std::vector<std::string>& words) {
      for (const std::string& w : words) {
        if (FindBytes(lower, w) != std::string::npos) return true;
      }
      return false;
    };
    if (!contains_any(keywords_)) return {"AR", 0.8};
    if (contains_any(both_)) return {"BOTH", 0.75};
    return {"DIFFUSION", 0.8};
  }

  std::vector<config::DescribedSignal> rules_;
  config::ModalityDetectorModule module_;
  std::string method_;
  std::shared_ptr<const ml::SequenceClassifier> model_;
  std::string missing_;  // why there is no model (for `classifier`)
  std::vector<std::string> keywords_, both_;
};

}  // namespace

std::unique_ptr<Signal> MakeModalitySignal(const config::Config& c, ml::ModelStore* models) {
  const config::ModalityDetectorModule& module = c.global.model_catalog.modules.modality_detector;
  const std::string method = ToLower(module.detection.method);
  std::shared_ptr<const ml::SequenceClassifier> model;
  std::string missing = "model not loaded: modality classifier";
  if (module.enabled && (method == "classifier" || method == "hybrid") && models != nullptr) {
    const ModelRef ref = ModalityModel(c);
    if (!ref.path.empty() || method == "classifier") {
      std::vector<std::string> labels;
      model = LoadClassifier(ref, *models, labels, missing);
      if (model && labels.size() != 3) {
        missing = ref.Missing("it has " + std::to_string(labels.size()) +
                              " classes; the modality classifier needs 3 (AR, DIFFUSION, BOTH)");
        model = nullptr;
      }
    }
  }
  return std::make_unique<ModalitySignal>(c.routing.signals.modality, module, std::move(model),
                                          std::move(missing));
}

}  // namespace vsr::signals
