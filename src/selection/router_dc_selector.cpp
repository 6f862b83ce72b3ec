#include "selection/router_dc_selector.h"

#include <cmath>
#include <cstdio>

#include "common/strings.h"

namespace vsr::selection {
namespace {

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  const size_t n = std::min(a.size(), b.size());  // upstream compares the common prefix
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < n; ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
  }
  return na == 0 || nb == 0 ? 0.0 : dot / (std::sqrt(na) * std::sqrt(nb));
}

class RouterDcSelector final : public Selector {
 public:
  RouterDcSelector(const config::RouterDcSelection& s, const ModelFacts& facts,
                   const QueryEmbedding::EmbedFn& embed)
      : temperature_(s.temperature > 0 ? s.temperature : 0.07), min_similarity_(s.min_similarity) {
    if (!embed) return;
    for (const std::string& model : facts.models()) {
      const std::string text = facts.DescriptionText(model, s.use_capabilities);
      if (text.empty()) continue;
      std::vector<float> v = embed(text);
      if (!v.empty()) embeddings_[model] = std::move(v);
    }
  }
  std::string Method() const override { return "router_dc"; }

  std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                        std::string& /*error*/) const override {
    const std::vector<float>* query = ctx.embedding ? ctx.embedding->Get() : nullptr;
    if (query == nullptr) return Fallback(ctx, "no embedding function available");
    std::map<std::string, double> similarity;
    const config::ModelRef* best = nullptr;
    double best_score = 0;
    for (const config::ModelRef& ref : *ctx.candidates) {
      auto it = embeddings_.find(ref.model);
      if (it == embeddings_.end()) {
        similarity[ref.model] = min_similarity_;  // no description: the floor
        continue;
      }
      const double s = 1.0 / (1.0 + std::exp(-Cosine(*query, it->second) / temperature_));
      similarity[ref.model] = s;
      if (s > best_score) best_score = s, best = &ref;
    }
    if (best == nullptr || best_score < min_similarity_) {
      return Fallback(ctx, "no model above similarity threshold");
    }
    SelectionResult r;
    r.method = Method();
    r.ref = best;
    r.all_scores = Softmax(similarity);
    r.score = r.all_scores[best->model];
    r.confidence = best_score > 0.9 ? 0.95 : best_score;
    char buf[128];
    std::snprintf(buf, sizeof buf, "Query-model contrastive similarity: %.4f (temperature=%.3f)",
                  best_score, temperature_);
    r.reasoning = buf;
    return r;
  }

 private:
  std::map<std::string, double> Softmax(const std::map<std::string, double>& scores) const {
    double hi = -1e300, sum = 0;
    for (const auto& [m, s] : scores) hi = std::max(hi, s);
    std::map<std::string, double> out;
    for (const auto& [m, s] : scores) sum += out[m] = std::exp((s - hi) / temperature_);
    for (auto& [m, s] : out) s /= sum;
    return out;
  }
  SelectionResult Fallback(const SelectionContext& ctx, const std::string& why) const {
    SelectionResult r;
    r.method = Method();
    r.ref = &ctx.candidates->front();
    for (const config::ModelRef& ref : *ctx.candidates)
      r.all_scores[ref.model] = 1.0 / static_cast<double>(ctx.candidates->size());
    r.score = r.all_scores[r.ref->model];
    r.confidence = 0.5;
    r.reasoning = "Default candidate selection: " + why;
    return r;
  }

  double temperature_;
  double min_similarity_;
  std::map<std::string, std::vector<float>> embeddings_;  // model -> description embedding
};

}  // namespace

config::RouterDcSelection RouterDcSettings(const config::Config& c) {
  config::RouterDcSelection s = c.global.router.model_selection.router_dc;
  for (const config::Decision& d : c.routing.decisions) {
    if (!d.algorithm || !IEquals(d.algorithm->type, "router_dc") || !d.algorithm->router_dc)
      continue;
    const config::RouterDcSelection& own = *d.algorithm->router_dc;
    if (own.temperature != 0) s.temperature = own.temperature;
    s.require_descriptions = own.require_descriptions;
    s.use_capabilities = own.use_capabilities;
    break;
  }
  return s;
}

std::unique_ptr<Selector> MakeRouterDcSelector(const config::RouterDcSelection& settings,
                                               const ModelFacts& facts,
                                               const QueryEmbedding::EmbedFn& embed) {
  return std::make_unique<RouterDcSelector>(settings, facts, embed);
}

}  // namespace vsr::selection
