// kmeans: cluster centroids, each assigned the model that served its queries best; a query goes
// to the model of its nearest centroid (squared distance, ties to the lower cluster).
#include "selection/ml_artifact.h"

namespace vsr::selection {
namespace {

namespace json = boost::json;

class KmeansModel final : public ArtifactModel {
 public:
  std::vector<double> centroids;  // clusters x dim
  std::vector<std::string> models;

  std::string Pick(const std::vector<double>& query, std::string& /*error*/) const override {
    size_t nearest = 0;
    double best = 0;
    for (size_t i = 0; i < models.size(); ++i) {
      const double d = SquaredDistance(&centroids[i * dim], query.data(), dim);
      if (i == 0 || d < best) nearest = i, best = d;
    }
    return models[nearest];
  }
};

}  // namespace

std::unique_ptr<ArtifactModel> ParseKmeansModel(const json::value& v, std::string& error) {
  const json::object* o = TrainedArtifact(v, "kmeans", error);
  if (o == nullptr) return nullptr;
  const json::value* centroids = o->if_contains("centroids");
  const json::value* models = o->if_contains("cluster_models");
  if (!centroids || !centroids->is_array() || centroids->as_array().empty() || !models ||
      !models->is_array() || models->as_array().size() != centroids->as_array().size()) {
    error = "centroids and cluster_models must be non-empty arrays of the same length";
    return nullptr;
  }
  auto model = std::make_unique<KmeansModel>();
  std::vector<double> row;
  for (size_t i = 0; i < centroids->as_array().size(); ++i) {
    const json::value& name = models->as_array()[i];
    if (!NumberRow(&centroids->as_array()[i], row) || row.empty() ||
        (model->dim != 0 && row.size() != model->dim) || !name.is_string()) {
      error = "centroid " + std::to_string(i) + " is invalid (length or model name)";
      return nullptr;
    }
    model->dim = row.size();
    model->centroids.insert(model->centroids.end(), row.begin(), row.end());
    model->models.emplace_back(name.as_string());
  }
  return model;
}

}  // namespace vsr::selection
