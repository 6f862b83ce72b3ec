// The complexity family: each rule has a bank of hard and a bank of easy example prompts
// (prototype banks, modules.complexity.prototype_scoring). The request's margin is
// score(hard) - score(easy): above the rule's threshold it is "hard", below -threshold "easy",
// otherwise "medium". The match is named "<rule>:<level>" with confidence |margin|. A rule's
// composer (a condition over other signals) is applied by the router once every family ran.
// image_candidates need a multimodal embedding model, which this build does not run: rules
// score on text.
#include <cmath>

#include "common/strings.h"
#include "signals/learned.h"
#include "signals/prototype_bank.h"

namespace vsr::signals {
namespace {

class ComplexitySignal final : public Signal {
 public:
  ComplexitySignal(const config::Config& c, std::shared_ptr<const ml::Embedder> embedder)
      : rules_(c.routing.signals.complexity),
        options_(
            ResolvePrototypeOptions(c.global.model_catalog.modules.complexity.prototype_scoring)),
        embedder_(std::move(embedder)) {
    for (const config::ComplexitySignal& r : rules_) {
      hard_.push_back(BankOf(*embedder_, r.hard.candidates, options_));
      easy_.push_back(BankOf(*embedder_, r.easy.candidates, options_));
    }
  }
  Family family() const override { return Family::kComplexity; }
  std::vector<std::string> RuleNames() const override {
    std::vector<std::string> names;
    for (const auto& r : rules_) {
      for (const char* level : {":easy", ":medium", ":hard"}) names.push_back(r.name + level);
    }
    return names;
  }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    if (Trim(request.evaluation_text).empty()) return;
    const std::vector<float> query = embedder_->Embed(request.evaluation_text);
    for (size_t i = 0; i < rules_.size(); ++i) {
      const config::ComplexitySignal& r = rules_[i];
      const PrototypeScore hard = hard_[i].Score(query, options_.best_weight, options_.top_m);
      const PrototypeScore easy = easy_[i].Score(query, options_.best_weight, options_.top_m);
      const double margin = hard.score - easy.score;
      const char* level = margin > r.threshold ? "hard" : margin < -r.threshold ? "easy" : "medium";
      const std::string name = r.name + ":" + level;
      out.matched.push_back(name);
      out.confidences["complexity:" + name] = std::abs(margin);
      const std::string key = "complexity:" + r.name;
      out.values[key + ":text_hard_score"] = hard.score;
      out.values[key + ":text_easy_score"] = easy.score;
      out.values[key + ":text_margin"] = margin;
      out.values[key + ":margin"] = margin;
      out.confidence = std::max(out.confidence, std::abs(margin));
    }
  }

 private:
  std::vector<config::ComplexitySignal> rules_;
  PrototypeOptions options_;
  std::shared_ptr<const ml::Embedder> embedder_;
  std::vector<PrototypeBank> hard_, easy_;
};

}  // namespace

std::unique_ptr<Signal> MakeComplexitySignal(const config::Config& c, ml::ModelStore& models,
                                             std::string& error) {
  auto embedder = LoadEmbedder(EmbeddingModel(c), models, error);
  if (!embedder) return nullptr;
  return std::make_unique<ComplexitySignal>(c, std::move(embedder));
}

}  // namespace vsr::signals
