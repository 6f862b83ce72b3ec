// The learned selectors knn, kmeans, svm and mlp: each loads a model upstream's Python trainer
// (src/training/model_selection/ml_model_selection) exports as JSON, and maps a feature vector
// — the query embedding followed by a one-hot of the detected category over upstream's 14
// training categories — to a model name. Selection then picks the candidate of that name
// (lora_name, else model). Which file: the first decision's algorithm.<type>.pretrained_path,
// else global.router.model_selection.ml.<type>.pretrained_path, else
// <ml.models_path>/<type>_model.json.
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

#include "selection/selector.h"

namespace vsr::selection {

// A loaded artifact: features in, model name out ("" + `error` when the features do not fit).
class ArtifactModel {
 public:
  virtual ~ArtifactModel() = default;
  std::string Classify(const std::vector<double>& features, std::string& error) const {
    if (features.size() != dim) {
      error =
          "expected " + std::to_string(dim) + " features, got " + std::to_string(features.size());
      return "";
    }
    return Pick(features, error);
  }
  size_t dim = 0;  // features per query

 protected:
  // Classify with exactly dim features.
  virtual std::string Pick(const std::vector<double>& features, std::string& error) const = 0;
};

// The artifact's JSON object when it is one of `algorithm` and trained; null + `error` else.
const boost::json::object* TrainedArtifact(const boost::json::value& v, const char* algorithm,
                                           std::string& error);

// Parsers, one per algorithm (knn_model.cpp, ...): null + `error` naming the problem.
std::unique_ptr<ArtifactModel> ParseKnnModel(const boost::json::value& v, std::string& error);
std::unique_ptr<ArtifactModel> ParseKmeansModel(const boost::json::value& v, std::string& error);
std::unique_ptr<ArtifactModel> ParseSvmModel(const boost::json::value& v, std::string& error);
std::unique_ptr<ArtifactModel> ParseMlpModel(const boost::json::value& v, std::string& error);

// Embedding + one-hot of `category` over upstream's training categories (math, physics, ...,
// other, unknown); an unknown category counts as "other".
std::vector<double> ArtifactFeatures(const std::vector<float>& embedding,
                                     const std::string& category);

// The selector for `type` (knn | kmeans | svm | mlp) with its artifact loaded from config. When
// the file is missing or invalid the selector still exists and every Select fails with the
// reason (the caller falls back to static); `load_error` says it once for the log.
std::unique_ptr<Selector> MakeArtifactSelector(const config::Config& c, const std::string& type,
                                               std::string& load_error);

// Helpers the parsers share: a JSON array of numbers (false when anything else), and the
// squared Euclidean distance / dot product of equal-length rows.
bool NumberRow(const boost::json::value* v, std::vector<double>& out);
double SquaredDistance(const double* a, const double* b, size_t n);
double Dot(const double* a, const double* b, size_t n);

}  // namespace vsr::selection
