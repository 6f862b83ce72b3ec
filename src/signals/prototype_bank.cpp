#include "signals/prototype_bank.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <tuple>

namespace vsr::signals {

PrototypeOptions ResolvePrototypeOptions(const config::PrototypeScoring& s) {
  PrototypeOptions o;
  o.enabled = s.enabled.value_or(true);
  if (s.cluster_similarity_threshold > 0)
    o.cluster_similarity_threshold = s.cluster_similarity_threshold;
  if (s.max_prototypes > 0) o.max_prototypes = static_cast<size_t>(s.max_prototypes);
  if (s.best_weight > 0) o.best_weight = std::min(1.0, s.best_weight);
  if (s.top_m > 0) o.top_m = static_cast<size_t>(s.top_m);
  return o;
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  const size_t n = std::min(a.size(), b.size());
  float sum = 0;
  for (size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

PrototypeBank::PrototypeBank(std::vector<std::pair<std::string, std::vector<float>>> examples,
                             const PrototypeOptions& options) {
  std::set<std::string> seen;
  std::vector<std::pair<std::string, std::vector<float>>> unique;
  for (auto& e : examples) {
    if (!e.second.empty() && seen.insert(e.first).second) unique.push_back(std::move(e));
  }
  const size_t n = unique.size();
  if (!options.enabled) {
    for (auto& [text, v] : unique) {
      texts_.push_back(text);
      prototypes_.push_back(std::move(v));
    }
    return;
  }
  std::vector<std::vector<double>> sim(n, std::vector<double>(n, 1.0));
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j)
      sim[i][j] = sim[j][i] = Dot(unique[i].second, unique[j].second);
  }
  // Greedy clustering: the seed whose neighbourhood among the remaining examples is largest
  // (ties: smallest text) takes that neighbourhood; repeat until none remain.
  struct Cluster {
    size_t medoid;
    size_t size;
    double avg;
  };
  std::vector<Cluster> clusters;
  std::vector<bool> taken(n, false);
  for (size_t left = n; left > 0;) {
    std::vector<size_t> best;
    size_t best_seed = n;
    for (size_t seed = 0; seed < n; ++seed) {
      if (taken[seed]) continue;
      std::vector<size_t> members{seed};
      for (size_t o = 0; o < n; ++o) {
        if (o != seed && !taken[o] && sim[seed][o] >= options.cluster_similarity_threshold) {
          members.push_back(o);
        }
      }
      if (best_seed == n || members.size() > best.size() ||
          (members.size() == best.size() && unique[seed].first < unique[best_seed].first)) {
        best = std::move(members);
        best_seed = seed;
      }
    }
    // The medoid: the member most similar on average to the others (ties: smallest text).
    Cluster c{best_seed, best.size(), -1.0};  // the seed is a member: a start
    for (size_t m : best) {
      double sum = 0;
      for (size_t o : best) sum += sim[m][o];
      const double avg = sum / static_cast<double>(best.size());
      if (avg > c.avg || (avg == c.avg && unique[m].first < unique[c.medoid].first)) {
        c.medoid = m;
        c.avg = avg;
      }
    }
    clusters.push_back(c);
    for (size_t m : best) taken[m] = true;
    left -= best.size();
  }
  std::sort(clusters.begin(), clusters.end(), [&](const Cluster& a, const Cluster& b) {
    return std::make_tuple(-static_cast<long>(a.size), -a.avg, std::cref(unique[a.medoid].first)) <
           std::make_tuple(-static_cast<long>(b.size), -b.avg, std::cref(unique[b.medoid].first));
  });
  if (clusters.size() > options.max_prototypes) clusters.resize(options.max_prototypes);
  for (const Cluster& c : clusters) {
    texts_.push_back(unique[c.medoid].first);
    prototypes_.push_back(unique[c.medoid].second);
  }
}

PrototypeScore PrototypeBank::Score(const std::vector<float>& query, double best_weight,
                                    size_t top_m) const {
  PrototypeScore s;
  s.prototypes = prototypes_.size();
  if (prototypes_.empty()) return s;
  std::vector<double> sims;
  sims.reserve(prototypes_.size());
  for (const auto& p : prototypes_) sims.push_back(Dot(query, p));
  std::sort(sims.begin(), sims.end(), std::greater<>());
  s.best = sims.front();
  const size_t m = top_m == 0 || top_m > sims.size() ? sims.size() : top_m;
  s.support = std::accumulate(sims.begin(), sims.begin() + static_cast<long>(m), 0.0) /
              static_cast<double>(m);
  const double w = std::clamp(best_weight, 0.0, 1.0);
  s.score = w * s.best + (1 - w) * s.support;
  return s;
}

}  // namespace vsr::signals
