// knn, kmeans, svm and mlp with small trained models written the way upstream's trainer
// exports them, over features whose right answer is known: a 3-axis keyword "embedding"
// (math, code, poetry) followed by the 14-category one-hot.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/files.h"
#include "selection/ml_artifact.h"
#include "selection/selectors.h"
#include "support/config_loader.h"
#include "unit/selection/selection_inputs.h"

namespace vsr::selection {
namespace {

using testing::KeywordEmbedding;

// A 17-feature row: the three axes, then the one-hot at `category` (-1: none).
std::string Row(double math, double code, double poem, int category = -1) {
  std::string s =
      "[" + std::to_string(math) + "," + std::to_string(code) + "," + std::to_string(poem);
  for (int i = 0; i < 14; ++i) s += i == category ? ",1" : ",0";
  return s + "]";
}

class ArtifactSelectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/ml-models-" + std::to_string(getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& json) {
    std::string error;
    ASSERT_TRUE(WriteFileAtomically(dir_ + "/" + name, json, error)) << error;
  }
  std::shared_ptr<const config::Config> Config(const std::string& type) {
    return testing::ConfigFromText(R"(
version: v0.3
listeners: [{name: l, address: 127.0.0.1, port: 8899}]
providers:
  defaults: {default_model: a}
  models:
    - {name: a, backend_refs: [{name: b, endpoint: "127.0.0.1:1"}]}
    - {name: b, backend_refs: [{name: b, endpoint: "127.0.0.1:2"}]}
routing:
  modelCards: [{name: a}, {name: b}]
  signals:
    domains: [{name: maths, mmlu_categories: [math]}]
  decisions:
    - name: d
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: a, use_reasoning: false}, {model: b, use_reasoning: false}]
      algorithm: {type: )" + type + R"(}
global:
  router:
    model_selection:
      ml: {models_path: ")" + dir_ +
                                   R"("}
)");
  }
  // The model chosen for `query` (category: a domain rule name) and the method that chose.
  std::pair<std::string, std::string> Pick(const std::string& type, const std::string& query,
                                           const std::string& category = "") {
    auto c = Config(type);
    std::vector<std::string> warnings;
    auto set = SelectorSet::Build(*c, KeywordEmbedding, &warnings);
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    SelectionInput in;
    in.query = query;
    in.category = category;
    const SelectionResult r = set->Select(c->routing.decisions.front(), in);
    return {r.ref->model, r.method};
  }

  std::string dir_;
};

TEST_F(ArtifactSelectionTest, KnnVotesWithTheNearestTrainingQueries) {
  // Two math samples served best by a, one code sample by b; k = 1 (the nearest decides).
  Write("knn_model.json", R"({"version": "1.0", "algorithm": "knn", "trained": true, "k": 1,
    "embeddings": [)" + Row(1, 0, 0, 0) +
                              "," + Row(0.9, 0.1, 0, 0) + "," + Row(0, 1, 0, 4) +
                              R"(],
    "labels": ["a", "a", "b"], "qualities": [1, 1, 1], "latencies": [1000, 1000, 1000]})");
  EXPECT_EQ(Pick("knn", "a math question", "maths"),
            std::make_pair(std::string("a"), std::string("knn")));
  EXPECT_EQ(Pick("knn", "fix my code").first, "b");
}

TEST_F(ArtifactSelectionTest, KnnWeighsVotesByQualityAndLatency) {
  // k = 3 over one a sample of quality 1 and two b samples of quality 0.2: a weighs
  // 0.9 + 0.1 * speed ~ 1.0 against b's 2 * (0.18 + ~0.1) ~ 0.56.
  Write("knn_model.json", R"({"algorithm": "knn", "trained": true, "k": 3,
    "embeddings": [)" + Row(1, 0, 0) +
                              "," + Row(0, 1, 0) + "," + Row(0, 1, 0.1) + R"(],
    "labels": ["a", "b", "b"], "qualities": [1, 0.2, 0.2]})");
  EXPECT_EQ(Pick("knn", "code").first, "a");
}

TEST_F(ArtifactSelectionTest, KmeansRoutesToTheNearestCentroidsModel) {
  Write("kmeans_model.json", R"({"algorithm": "kmeans", "trained": true,
    "centroids": [)" + Row(1, 0, 0) +
                                 "," + Row(0, 1, 0) + R"(], "cluster_models": ["a", "b"]})");
  EXPECT_EQ(Pick("kmeans", "math"), std::make_pair(std::string("a"), std::string("kmeans")));
  EXPECT_EQ(Pick("kmeans", "code").first, "b");
}

TEST_F(ArtifactSelectionTest, SvmOneVsRestAndExactSvcAgree) {
  Write("svm_model.json", R"({"algorithm": "svm", "trained": true, "kernel_type": "Linear",
    "gamma": 1, "model_names": ["a", "b"], "linear_classifiers": [
      {"model_name": "a", "weights": )" +
                              Row(1, 0, 0) + R"(, "rho": 0},
      {"model_name": "b", "weights": )" +
                              Row(0, 1, 0) + R"(, "rho": 0}]})");
  EXPECT_EQ(Pick("svm", "math").first, "a");
  EXPECT_EQ(Pick("svm", "code"), std::make_pair(std::string("b"), std::string("svm")));
  // sklearn's binary SVC: a positive decision value is the second class.
  Write("svm_model.json", R"({"algorithm": "svm", "format_version": 2, "trained": true,
    "kernel_type": "Linear", "gamma": 1, "feature_dim": 17, "model_names": ["a", "b"],
    "svc": {"support_vectors": [)" +
                              Row(1, 0, 0) + "," + Row(0, 1, 0) + R"(],
            "dual_coef": [[-1, 1]], "intercept": [0], "n_support": [1, 1]}})");
  EXPECT_EQ(Pick("svm", "math").first, "a");
  EXPECT_EQ(Pick("svm", "code").first, "b");
}

TEST_F(ArtifactSelectionTest, MlpRunsItsLayersAndTakesTheLargestOutput) {
  Write("mlp_model.json", R"({"algorithm": "mlp", "trained": true, "model_names": ["a", "b"],
    "feature_dim": 17, "layers": [
      {"type": "linear", "in_features": 17, "out_features": 2,
       "weight": [)" + Row(2, 0, 0) +
                              "," + Row(0, 1, 0) + R"(], "bias": [0, 0.5]},
      {"type": "relu"},
      {"type": "batch_norm", "num_features": 2, "running_mean": [0, 0], "running_var": [1, 1], "eps": 0},
      {"type": "dropout"}]})");
  EXPECT_EQ(Pick("mlp", "math"), std::make_pair(std::string("a"), std::string("mlp")));  // 2 vs 0.5
  EXPECT_EQ(Pick("mlp", "code").first, "b");                                             // 0 vs 1.5
}

TEST_F(ArtifactSelectionTest, AMissingOrBrokenModelWarnsOnceAndSelectsStatically) {
  auto c = Config("knn");
  std::vector<std::string> warnings;
  auto set = SelectorSet::Build(*c, KeywordEmbedding, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("knn selection: cannot read " + dir_ + "/knn_model.json"),
            std::string::npos)
      << warnings[0];
  SelectionInput in;
  in.query = "code";
  EXPECT_EQ(set->Select(c->routing.decisions.front(), in).method, "static");

  Write("svm_model.json", R"({"algorithm": "svm", "trained": false, "kernel_type": "Rbf",
    "gamma": 1, "model_names": ["a", "b"]})");
  warnings.clear();
  SelectorSet::Build(*Config("svm"), KeywordEmbedding, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("not trained"), std::string::npos) << warnings[0];

  // A model naming a label no candidate has also falls back.
  Write("kmeans_model.json", R"({"algorithm": "kmeans", "trained": true,
    "centroids": [)" + Row(1, 0, 0) +
                                 R"(], "cluster_models": ["gone"]})");
  EXPECT_EQ(Pick("kmeans", "math").second, "static");
}

TEST(ArtifactFeaturesTest, TheCategoryOneHotFollowsUpstreamsTrainingOrder) {
  const std::vector<double> f = ArtifactFeatures({0.5f}, "computer science");
  ASSERT_EQ(f.size(), 15u);
  EXPECT_DOUBLE_EQ(f[0], 0.5);
  EXPECT_DOUBLE_EQ(f[1 + 4], 1.0);  // math, physics, chemistry, biology, computer science
  const std::vector<double> unknown = ArtifactFeatures({}, "astrology");
  EXPECT_DOUBLE_EQ(unknown[12], 1.0);  // "other"
}

}  // namespace
}  // namespace vsr::selection
