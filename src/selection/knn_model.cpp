// knn: unit-normalized training queries with the model that served each best; the k nearest
// (squared distance, ties to the earlier sample) vote with weight 0.9 * quality + 0.1 * speed,
// speed = 1 / (1 + latency_ns / 1e10). The heaviest label wins, ties to the first in
// lexicographic order.
#include <algorithm>
#include <cmath>
#include <map>

#include "selection/ml_artifact.h"

namespace vsr::selection {
namespace {

namespace json = boost::json;

void Normalize(std::vector<double>& v) {
  const double n = std::sqrt(Dot(v.data(), v.data(), v.size()));
  if (n > 0)
    for (double& x : v) x /= n;
}

class KnnModel final : public ArtifactModel {
 public:
  size_t k = 0;
  std::vector<double> features;  // samples x dim
  std::vector<std::string> labels;
  std::vector<double> weights;

  std::string Pick(const std::vector<double>& query_in, std::string& /*error*/) const override {
    std::vector<double> query = query_in;
    Normalize(query);
    std::vector<std::pair<double, size_t>> nearest;  // (distance, sample)
    for (size_t i = 0; i < labels.size(); ++i)
      nearest.emplace_back(SquaredDistance(&features[i * dim], query.data(), dim), i);
    const size_t keep = std::min(k, nearest.size());
    std::partial_sort(nearest.begin(), nearest.begin() + keep, nearest.end());
    std::map<std::string, double> votes;  // sorted: the first of equal votes is lexicographic
    for (size_t i = 0; i < keep; ++i)
      votes[labels[nearest[i].second]] += weights[nearest[i].second];
    // k >= 1 samples always vote, so the first label is only a formal starting point.
    const std::string* winner = &labels.front();
    bool first = true;
    double best = 0;
    for (const auto& [label, v] : votes) {
      if (first || v > best) winner = &label, best = v, first = false;
    }
    return *winner;
  }
};

}  // namespace

std::unique_ptr<ArtifactModel> ParseKnnModel(const json::value& v, std::string& error) {
  const json::object* o = TrainedArtifact(v, "knn", error);
  if (o == nullptr) return nullptr;
  if (const json::value* f = o->if_contains("format_version");
      f && !(f->is_int64() && (f->as_int64() == 1 || f->as_int64() == 2))) {
    error = "unsupported KNN format_version (1 or 2 expected)";
    return nullptr;
  }
  auto model = std::make_unique<KnnModel>();
  const json::value* k = o->if_contains("k");
  const json::value* rows = o->if_contains("embeddings");
  const json::value* labels = o->if_contains("labels");
  if (!k || !k->is_int64() || k->as_int64() <= 0 || !rows || !rows->is_array() ||
      rows->as_array().empty() || !labels || !labels->is_array() ||
      labels->as_array().size() != rows->as_array().size()) {
    error = "k must be positive and embeddings and labels non-empty arrays of the same length";
    return nullptr;
  }
  const size_t n = rows->as_array().size();
  std::vector<double> qualities(n, 0.5), latencies(n, 0.0), row;
  if (o->contains("qualities") &&
      (!NumberRow(o->if_contains("qualities"), qualities) || qualities.size() != n)) {
    error = "qualities must hold one number per sample";
    return nullptr;
  }
  if (o->contains("latencies") &&
      (!NumberRow(o->if_contains("latencies"), latencies) || latencies.size() != n)) {
    error = "latencies must hold one number per sample";
    return nullptr;
  }
  model->k = std::min<size_t>(static_cast<size_t>(k->as_int64()), n);
  for (size_t i = 0; i < n; ++i) {
    const json::value& label = labels->as_array()[i];
    if (!NumberRow(&rows->as_array()[i], row) || row.empty() ||
        (model->dim != 0 && row.size() != model->dim) || !label.is_string() ||
        label.as_string().empty() || latencies[i] < 0) {
      error = "sample " + std::to_string(i) + " is invalid (embedding length, label or latency)";
      return nullptr;
    }
    model->dim = row.size();
    Normalize(row);
    model->features.insert(model->features.end(), row.begin(), row.end());
    model->labels.emplace_back(label.as_string());
    model->weights.push_back(0.9 * qualities[i] + 0.1 / (1.0 + latencies[i] / 1e10));
  }
  return model;
}

}  // namespace vsr::selection
