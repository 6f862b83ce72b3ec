// The preference family (upstream's contrastive preference classifier): each rule's
// description and examples form a prototype bank (modules.classifier.preference
// .prototype_scoring); the request goes to the single best-scoring rule when its score reaches
// the rule's threshold (when set) and it leads the runner-up by at least margin_threshold
// (when set). Confidence: the best score.
#include <algorithm>

#include "common/strings.h"
#include "signals/learned.h"
#include "signals/prototype_bank.h"

namespace vsr::signals {
namespace {

class PreferenceSignal final : public Signal {
 public:
  PreferenceSignal(const config::Config& c, std::shared_ptr<const ml::Embedder> embedder)
      : rules_(c.routing.signals.preferences),
        margin_threshold_(std::max(0.0, c.global.model_catalog.modules.classifier.preference
                                            .prototype_scoring.margin_threshold)),
        options_(ResolvePrototypeOptions(
            c.global.model_catalog.modules.classifier.preference.prototype_scoring)),
        embedder_(std::move(embedder)) {
    for (const config::PreferenceSignal& r : rules_) {
      std::vector<std::string> texts;
      if (!r.description.empty()) texts.push_back(r.description);
      texts.insert(texts.end(), r.examples.begin(), r.examples.end());
      banks_.push_back(BankOf(*embedder_, texts, options_));
    }
  }
  Family family() const override { return Family::kPreference; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    if (Trim(request.evaluation_text).empty()) return;
    const std::vector<float> query = embedder_->Embed(request.evaluation_text);
    std::vector<std::pair<double, size_t>> scores;  // (score, rule index)
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (banks_[i].size() == 0) continue;
      const PrototypeScore s = banks_[i].Score(query, options_.best_weight, options_.top_m);
      out.values["preference:" + rules_[i].name + ":score"] = s.score;
      scores.emplace_back(s.score, i);
    }
    if (scores.empty()) return;
    std::sort(scores.begin(), scores.end(), [&](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : rules_[a.second].name < rules_[b.second].name;
    });
    const auto [best, index] = scores.front();
    const double margin = scores.size() > 1 ? best - scores[1].first : best;
    const config::PreferenceSignal& rule = rules_[index];
    if (rule.threshold > 0 && best < rule.threshold) return;
    if (margin_threshold_ > 0 && margin < margin_threshold_) return;
    out.matched.push_back(rule.name);
    out.confidences["preference:" + rule.name] = best;
    out.values["preference:" + rule.name] = best;
    out.values["preference:" + rule.name + ":margin"] = margin;
    out.confidence = best;
  }

 private:
  std::vector<config::PreferenceSignal> rules_;
  double margin_threshold_;
  PrototypeOptions options_;
  std::shared_ptr<const ml::Embedder> embedder_;
  std::vector<PrototypeBank> banks_;
};

}  // namespace

std::unique_ptr<Signal> MakePreferenceSignal(const config::Config& c, ml::ModelStore& models,
                                             std::string& error) {
  const std::string& name = c.global.model_catalog.modules.classifier.preference.embedding_model;
  auto embedder = LoadEmbedder(
      EmbeddingModel(c, name, "global.model_catalog.modules.classifier.preference.embedding_model"),
      models, error);
  if (!embedder) return nullptr;
  return std::make_unique<PreferenceSignal>(c, std::move(embedder));
}

}  // namespace vsr::signals
