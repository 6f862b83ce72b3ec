// The embedding family: each rule's candidate phrases are embedded once (when the router is
// built) into a prototype bank; a request's text is embedded once and scored against every
// bank. Matching follows upstream: rules whose score reaches their own `threshold` are hard
// matches; when none is, and soft matching is on (embedding_config.enable_soft_matching,
// default true), rules reaching embedding_config.min_score_threshold match instead. Matches are
// ordered by score (then name) and cut to embedding_config.top_k (default 1, 0 = all).
// aggregation_method "mean" scores a rule by its mean prototype similarity; max/any by
// prototype scoring's blend of best and top-m.
#include <algorithm>

#include "common/strings.h"
#include "signals/learned.h"
#include "signals/prototype_bank.h"

namespace vsr::signals {
namespace {

struct ScoredRule {
  const config::EmbeddingSignal* rule;
  PrototypeScore score;
};

class EmbeddingSignal final : public Signal {
 public:
  EmbeddingSignal(const config::Config& c, std::shared_ptr<const ml::Embedder> embedder)
      : rules_(c.routing.signals.embeddings),
        options_(c.global.model_catalog.embeddings.semantic.embedding_config),
        prototype_(ResolvePrototypeOptions(options_.prototype_scoring)),
        embedder_(std::move(embedder)) {
    for (const config::EmbeddingSignal& r : rules_) {
      banks_.push_back(BankOf(*embedder_, r.candidates, prototype_));
    }
  }
  Family family() const override { return Family::kEmbedding; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    if (Trim(request.evaluation_text).empty()) return;
    std::vector<float> query = embedder_->Embed(request.evaluation_text);
    std::vector<ScoredRule> scored;
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (banks_[i].size() == 0) continue;
      const bool mean = rules_[i].aggregation_method == "mean";
      ScoredRule s{&rules_[i], banks_[i].Score(query, mean ? 0.0 : prototype_.best_weight,
                                               mean ? 0 : prototype_.top_m)};
      const std::string key = "embedding:" + rules_[i].name;
      out.values[key] = s.score.score;
      out.values[key + ":best"] = s.score.best;
      out.values[key + ":support"] = s.score.support;
      out.values[key + ":prototype_count"] = static_cast<double>(s.score.prototypes);
      out.confidence = std::max(out.confidence, s.score.score);
      scored.push_back(s);
    }
    std::vector<ScoredRule> matches;
    for (const ScoredRule& s : scored) {
      if (s.score.score >= s.rule->threshold) matches.push_back(s);
    }
    if (matches.empty() && options_.enable_soft_matching.value_or(true)) {
      for (const ScoredRule& s : scored) {
        if (s.score.score >= options_.min_score_threshold) matches.push_back(s);
      }
    }
    std::sort(matches.begin(), matches.end(), [](const ScoredRule& a, const ScoredRule& b) {
      return a.score.score != b.score.score ? a.score.score > b.score.score
                                            : a.rule->name < b.rule->name;
    });
    const int top_k = options_.top_k.value_or(1);
    if (top_k > 0 && matches.size() > static_cast<size_t>(top_k)) matches.resize(top_k);
    for (const ScoredRule& m : matches) {
      out.matched.push_back(m.rule->name);
      out.confidences["embedding:" + m.rule->name] = m.score.score;
    }
    out.embedding = std::move(query);
  }

 private:
  std::vector<config::EmbeddingSignal> rules_;
  config::EmbeddingConfig options_;
  PrototypeOptions prototype_;
  std::shared_ptr<const ml::Embedder> embedder_;
  std::vector<PrototypeBank> banks_;
};

}  // namespace

std::vector<std::vector<float>> EmbedAll(const ml::Embedder& embedder,
                                         const std::vector<std::string>& texts) {
  constexpr size_t kBatch = 8;  // padded batches of similar phrases: fewer passes over weights
  std::vector<std::vector<float>> out;
  out.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); i += kBatch) {
    const std::vector<std::string> chunk(
        texts.begin() + static_cast<long>(i),
        texts.begin() + static_cast<long>(std::min(texts.size(), i + kBatch)));
    for (auto& v : embedder.EmbedBatch(chunk)) out.push_back(std::move(v));
  }
  return out;
}

PrototypeBank BankOf(const ml::Embedder& embedder, const std::vector<std::string>& texts,
                     const PrototypeOptions& options) {
  const std::vector<std::vector<float>> vectors = EmbedAll(embedder, texts);
  std::vector<std::pair<std::string, std::vector<float>>> examples;
  for (size_t i = 0; i < texts.size(); ++i) examples.emplace_back(texts[i], vectors[i]);
  return PrototypeBank(std::move(examples), options);
}

std::unique_ptr<Signal> MakeEmbeddingSignal(const config::Config& c, ml::ModelStore& models,
                                            std::string& error) {
  auto embedder = LoadEmbedder(EmbeddingModel(c), models, error);
  if (!embedder) return nullptr;
  return std::make_unique<EmbeddingSignal>(c, std::move(embedder));
}

}  // namespace vsr::signals
