// A rule's example phrases as a small bank of prototypes, scored against a query embedding —
// upstream's semantics for the embedding-backed families. Near-duplicate examples (cosine >=
// cluster_similarity_threshold) collapse into one cluster represented by its medoid, the
// biggest clusters first, at most max_prototypes of them. A query's score blends the best
// prototype similarity with the mean of the top_m best: best_weight * best + (1 -
// best_weight) * support.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace vsr::signals {

struct PrototypeOptions {
  bool enabled = true;
  double cluster_similarity_threshold = 0.9;
  size_t max_prototypes = 8;
  double best_weight = 0.75;
  size_t top_m = 2;
};

// Upstream's defaults for whatever the config leaves unset (or sets to <= 0).
PrototypeOptions ResolvePrototypeOptions(const config::PrototypeScoring& scoring);

struct PrototypeScore {
  double score = 0, best = 0, support = 0;
  size_t prototypes = 0;
};

class PrototypeBank {
 public:
  // `examples`: (text, unit-length embedding); duplicates by text and empty vectors dropped.
  PrototypeBank(std::vector<std::pair<std::string, std::vector<float>>> examples,
                const PrototypeOptions& options);
  // best_weight/top_m per call: the "mean" aggregation scores with 0 and all prototypes.
  PrototypeScore Score(const std::vector<float>& query, double best_weight, size_t top_m) const;
  size_t size() const { return prototypes_.size(); }
  const std::vector<std::string>& texts() const { return texts_; }

 private:
  std::vector<std::vector<float>> prototypes_;
  std::vector<std::string> texts_;
};

// Dot product (= cosine similarity of unit vectors) over the shorter length.
double Dot(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace vsr::signals
