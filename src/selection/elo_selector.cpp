#include "selection/elo_selector.h"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace vsr::selection {
namespace {

struct Rating {
  double rating = 0;
  int comparisons = 0, wins = 0, losses = 0, ties = 0;
};
using Table = std::map<std::string, Rating>;

class EloSelectorImpl final : public EloSelector {
 public:
  EloSelectorImpl(const config::Config& c, const config::EloSelection& s)
      : initial_(s.initial_rating > 0 ? s.initial_rating : 1500.0),
        k_(s.k_factor > 0 ? s.k_factor : 32.0),
        category_weighted_(s.category_weighted),
        min_comparisons_(s.min_comparisons > 0 ? s.min_comparisons : 5) {
    for (const config::ProviderModel& m : c.providers.models) global_[m.name].rating = initial_;
    if (category_weighted_) {
      for (const config::DomainSignal& d : c.routing.signals.domains) {
        for (const config::ModelScore& ms : d.model_scores) {
          categories_[d.name][ms.model].rating = 1000.0 + ms.score * 1000.0;
        }
      }
    }
  }

  std::string Method() const override { return "elo"; }

  std::optional<SelectionResult> Select(const SelectionContext& ctx,
                                        std::string& error) const override {
    if (ctx.candidates == nullptr || ctx.candidates->empty()) {
      error = "no candidate models provided";
      return std::nullopt;
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Rating> ratings;
    double total = 0;
    for (const config::ModelRef& ref : *ctx.candidates) {
      ratings.push_back(RatingFor(ctx.decision_name, ref.model));
      total += std::pow(10.0, ratings.back().rating / 400.0);
    }
    SelectionResult r;
    r.method = Method();
    size_t best = 0;
    for (size_t i = 0; i < ratings.size(); ++i) {
      const double p = total > 0 ? std::pow(10.0, ratings[i].rating / 400.0) / total
                                 : 1.0 / static_cast<double>(ratings.size());
      r.all_scores[(*ctx.candidates)[i].model] = p;
      if (i == 0 || p > r.score) {
        r.score = p;
        best = i;
      }
    }
    r.ref = &(*ctx.candidates)[best];
    // Confidence: how much evidence stands behind the winner's rating.
    r.confidence = std::min(1.0, static_cast<double>(ratings[best].comparisons) / min_comparisons_);
    const Rating& w = ratings[best];
    char buf[160];
    std::snprintf(buf, sizeof buf, "Selected based on Elo rating %.1f (win rate: %d/%d)", w.rating,
                  w.wins, w.wins + w.losses + w.ties);
    r.reasoning = buf;
    if (category_weighted_ && !ctx.decision_name.empty()) {
      r.reasoning = "Category '" + ctx.decision_name + "': " + r.reasoning;
    }
    return r;
  }

  bool UpdateFeedback(const Feedback& f, std::string& error) override {
    if (f.winner_model.empty() && f.loser_model.empty()) {
      error = "either winner_model or loser_model is required";
      return false;
    }
    std::lock_guard<std::mutex> lock(mu_);
    Update(global_, f);
    if (category_weighted_ && !f.decision_name.empty()) Update(categories_[f.decision_name], f);
    return true;
  }

  std::vector<RatingView> Leaderboard(const std::string& category) const override {
    std::lock_guard<std::mutex> lock(mu_);
    const Table* table = &global_;
    if (!category.empty()) {
      auto it = categories_.find(category);
      if (it == categories_.end()) return {};
      table = &it->second;
    }
    std::vector<RatingView> out;
    for (const auto& [model, r] : *table)
      out.push_back({model, r.rating, r.wins, r.losses, r.ties});
    std::stable_sort(out.begin(), out.end(),
                     [](const RatingView& a, const RatingView& b) { return a.rating > b.rating; });
    return out;
  }

 private:
  Rating RatingFor(const std::string& decision, const std::string& model) const {
    if (category_weighted_ && !decision.empty()) {
      auto cat = categories_.find(decision);
      if (cat != categories_.end()) {
        auto it = cat->second.find(model);
        if (it != cat->second.end()) return it->second;
      }
    }
    auto it = global_.find(model);
    if (it != global_.end()) return it->second;
    Rating fresh;
    fresh.rating = initial_;
    return fresh;
  }

  // Standard Elo: expected score E = 1 / (1 + 10^((Rb - Ra)/400)); R' = R + K (S - E).
  void Update(Table& table, const Feedback& f) {
    auto get = [&](const std::string& model) -> Rating& {
      auto [it, added] = table.try_emplace(model);
      if (added) it->second.rating = initial_;
      return it->second;
    };
    if (f.loser_model.empty()) {  // a thumbs-up without an opponent: count it, move nothing
      Rating& w = get(f.winner_model);
      ++w.comparisons;
      ++w.wins;
      return;
    }
    Rating& a = get(f.winner_model);
    Rating& b = get(f.loser_model);
    const double expected_a = 1.0 / (1.0 + std::pow(10.0, (b.rating - a.rating) / 400.0));
    const double score_a = f.tie ? 0.5 : 1.0;
    const double delta = k_ * (score_a - expected_a);
    a.rating += delta;
    b.rating -= delta;
    ++a.comparisons;
    ++b.comparisons;
    if (f.tie) {
      ++a.ties;
      ++b.ties;
    } else {
      ++a.wins;
      ++b.losses;
    }
  }

  double initial_, k_;
  bool category_weighted_;
  int min_comparisons_;
  mutable std::mutex mu_;
  Table global_;
  std::map<std::string, Table> categories_;
};

}  // namespace

std::unique_ptr<EloSelector> MakeEloSelector(const config::Config& c,
                                             const config::EloSelection& settings) {
  return std::make_unique<EloSelectorImpl>(c, settings);
}

}  // namespace vsr::selection
