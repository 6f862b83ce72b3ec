// The jailbreak family. Rules with method "contrastive" embed each screened text and score it
// max similarity to the rule's jailbreak_patterns minus max similarity to its benign_patterns
// (match at >= threshold, default 0.10). Every other rule reads the prompt-guard classifier:
// the rule matches when some screened text is labelled "jailbreak" with confidence >= the
// rule's threshold. Each screened text goes through the classifier once, whatever the number
// of rules. Confidence: the best score of the matching texts.
#include <algorithm>
#include <map>

#include "common/strings.h"
#include "signals/learned.h"
#include "signals/prototype_bank.h"

namespace vsr::signals {
namespace {

struct ContrastiveBank {
  std::vector<std::vector<float>> jailbreak, benign;
};

double MaxSimilarity(const std::vector<float>& q, const std::vector<std::vector<float>>& bank) {
  double best = -1;
  for (const auto& v : bank) best = std::max(best, Dot(q, v));
  return best;
}

class JailbreakSignal final : public Signal {
 public:
  JailbreakSignal(const config::Config& c, std::shared_ptr<const ml::SequenceClassifier> classifier,
                  std::vector<std::string> labels, std::shared_ptr<const ml::Embedder> embedder)
      : rules_(c.routing.signals.jailbreak),
        classifier_(std::move(classifier)),
        labels_(std::move(labels)),
        embedder_(std::move(embedder)) {
    for (const config::JailbreakSignal& r : rules_) {
      ContrastiveBank bank;
      if (r.method == "contrastive") {
        bank.jailbreak = EmbedAll(*embedder_, r.jailbreak_patterns);
        bank.benign = EmbedAll(*embedder_, r.benign_patterns);
      }
      banks_.push_back(std::move(bank));
    }
  }
  Family family() const override { return Family::kJailbreak; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    std::map<std::string, std::vector<float>> probabilities, embeddings;  // per screened text
    for (size_t i = 0; i < rules_.size(); ++i) {
      const config::JailbreakSignal& r = rules_[i];
      double best = -1;
      for (const std::string& text : TextsToScreen(request, r.include_history)) {
        if (r.method == "contrastive") {
          auto [it, fresh] = embeddings.try_emplace(text);
          if (fresh) it->second = embedder_->Embed(text);
          best = std::max(best, MaxSimilarity(it->second, banks_[i].jailbreak) -
                                    MaxSimilarity(it->second, banks_[i].benign));
          continue;
        }
        auto [it, fresh] = probabilities.try_emplace(text);
        if (fresh) it->second = classifier_->Classify(text);
        const std::vector<float>& p = it->second;
        if (p.empty()) continue;
        const auto top = ml::ArgMax(p);
        if (top < labels_.size() && ToLower(labels_[top]) == "jailbreak" && p[top] >= r.threshold) {
          best = std::max(best, static_cast<double>(p[top]));
        }
      }
      const double threshold =
          r.method == "contrastive" ? (r.threshold > 0 ? r.threshold : 0.10) : r.threshold;
      const bool matched = r.method == "contrastive" ? best >= threshold : best > 0;
      if (!matched) continue;
      out.matched.push_back(r.name);
      out.confidences["jailbreak:" + r.name] = best;
      out.confidence = std::max(out.confidence, best);
    }
  }

 private:
  std::vector<config::JailbreakSignal> rules_;
  std::shared_ptr<const ml::SequenceClassifier> classifier_;
  std::vector<std::string> labels_;
  std::shared_ptr<const ml::Embedder> embedder_;
  std::vector<ContrastiveBank> banks_;
};

}  // namespace

std::vector<std::string> TextsToScreen(const request::Request& request, bool include_history) {
  std::vector<std::string> out;
  const auto add = [&](const std::string& t) {
    if (Trim(t).empty()) return;
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  add(request.evaluation_text);
  if (include_history) {
    for (const std::string& t : request.prior_user_messages) add(t);
    for (const std::string& t : request.non_user_messages) add(t);
  }
  return out;
}

std::unique_ptr<Signal> MakeJailbreakSignal(const config::Config& c, ml::ModelStore& models,
                                            std::string& error) {
  bool classifier_rules = false, contrastive_rules = false;
  for (const config::JailbreakSignal& r : c.routing.signals.jailbreak) {
    (r.method == "contrastive" ? contrastive_rules : classifier_rules) = true;
  }
  std::shared_ptr<const ml::SequenceClassifier> classifier;
  std::vector<std::string> labels;
  if (classifier_rules) {
    classifier = LoadClassifier(ClassifierModel(c, Family::kJailbreak), models, labels, error);
    if (!classifier) return nullptr;
  }
  std::shared_ptr<const ml::Embedder> embedder;
  if (contrastive_rules) {
    embedder = LoadEmbedder(EmbeddingModel(c), models, error);
    if (!embedder) {
      error += " (contrastive jailbreak rules embed their patterns)";
      return nullptr;
    }
  }
  return std::make_unique<JailbreakSignal>(c, std::move(classifier), std::move(labels),
                                           std::move(embedder));
}

}  // namespace vsr::signals
