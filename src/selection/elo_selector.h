// elo: models carry Elo ratings (global, and per decision when category_weighted) learned from
// pairwise feedback; selection picks the candidate with the highest rating, i.e. the highest
// Bradley-Terry win probability 10^(R/400) / sum 10^(R_i/400). Upstream's EloSelector semantics:
// initial_rating (1500), k_factor (32), domain model_scores seed per-decision ratings as
// 1000 + 1000 * score, confidence grows with comparisons up to min_comparisons.
#pragma once

#include "selection/selector.h"

namespace vsr::selection {

struct RatingView {
  std::string model;
  double rating = 0;
  int wins = 0, losses = 0, ties = 0;
};

class EloSelector : public Selector {
 public:
  // Leaderboard for `category` (a decision name; "" = global), best first.
  virtual std::vector<RatingView> Leaderboard(const std::string& category) const = 0;
};

std::unique_ptr<EloSelector> MakeEloSelector(const config::Config& c,
                                             const config::EloSelection& settings);

}  // namespace vsr::selection
