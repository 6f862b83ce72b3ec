// Modality (upstream classifier_category_entropy.go): AR, DIFFUSION or BOTH. The keyword method
// is rule-based and works now; `classifier` needs the modality model (ML runtime) and `hybrid`
// falls back to keywords while that model is missing, as upstream does when it is unavailable.
#include "common/strings.h"
#include "common/utf8.h"
#include "signals/families.h"

namespace vsr::signals {
namespace {

class ModalitySignal final : public Signal {
 public:
  ModalitySignal(std::vector<config::DescribedSignal> rules, config::ModalityDetectorModule module)
      : rules_(std::move(rules)), module_(std::move(module)) {
    for (const std::string& k : module_.detection.keywords) keywords_.push_back(utf8::ToLower(k));
    for (const std::string& k : module_.detection.both_keywords) both_.push_back(utf8::ToLower(k));
  }
  Family family() const override { return Family::kModality; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  std::string NotReadyReason() const override {
    if (!module_.enabled)
      return "modality detector disabled (global.model_catalog.modules.modality_detector.enabled)";
    if (ToLower(module_.detection.method) == "classifier")
      return "model not loaded: modality classifier";
    return {};
  }
  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    const auto [modality, confidence] =
        Classify(request.evaluation_text, request.evaluation_text_lower);
    out.confidence = confidence;
    for (const auto& r : rules_) {
      if (IEquals(r.name, modality)) {
        out.matched.push_back(r.name);
        break;
      }
    }
  }

 private:
  std::pair<std::string, double> Classify(const std::string& text, const std::string& lower) const {
    if (text.empty()) return {"AR", 1.0};
    if (keywords_.empty()) return {"AR", 0.5};
    auto contains_any = [&](const std::vector<std::string>& words) {
      for (const std::string& w : words) {
        if (lower.find(w) != std::string::npos) return true;
      }
      return false;
    };
    if (!contains_any(keywords_)) return {"AR", 0.8};
    if (contains_any(both_)) return {"BOTH", 0.75};
    return {"DIFFUSION", 0.8};
  }

  std::vector<config::DescribedSignal> rules_;
  config::ModalityDetectorModule module_;
  std::vector<std::string> keywords_, both_;
};

}  // namespace

std::unique_ptr<Signal> MakeModalitySignal(const config::Config& c, std::string&) {
  return std::make_unique<ModalitySignal>(c.routing.signals.modality,
                                          c.global.model_catalog.modules.modality_detector);
}

}  // namespace vsr::signals
