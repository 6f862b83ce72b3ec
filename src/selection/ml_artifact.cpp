#include "selection/ml_artifact.h"

#include <boost/json/parse.hpp>
#include <cmath>

#include "common/files.h"
#include "common/strings.h"

namespace vsr::selection {
namespace {

namespace json = boost::json;

// The category order of upstream's training data (data_loader.py); it must not change.
constexpr const char* kCategories[] = {
    "math",     "physics", "chemistry", "biology",    "computer science", "history", "economics",
    "business", "law",     "health",    "psychology", "philosophy",       "other",   "unknown"};

const config::MlAlgorithmBlock* DecisionBlock(const config::Algorithm& a, const std::string& t) {
  const std::optional<config::MlAlgorithmBlock>* b = t == "knn"      ? &a.knn
                                                     : t == "kmeans" ? &a.kmeans
                                                     : t == "svm"    ? &a.svm
                                                                     : &a.mlp;
  return *b ? &**b : nullptr;
}

std::string ArtifactPath(const config::Config& c, const std::string& type) {
  for (const config::Decision& d : c.routing.decisions) {
    if (!d.algorithm || !IEquals(d.algorithm->type, type)) continue;
    const config::MlAlgorithmBlock* b = DecisionBlock(*d.algorithm, type);
    if (b && !b->pretrained_path.empty()) return b->pretrained_path;
  }
  const config::MlSelectionConfig& ml = c.global.router.model_selection.ml;
  const std::string& own = type == "knn"      ? ml.knn.pretrained_path
                           : type == "kmeans" ? ml.kmeans.pretrained_path
                           : type == "svm"    ? ml.svm.pretrained_path
                                              : ml.mlp.pretrained_path;
  if (!own.empty()) return own;
  if (ml.models_path.empty()) return "";
  return ml.models_path + "/" + type + "_model.json";
}

// Domain rule name -> the training category its classifier label stands for: the rule's first
// mmlu_category that is a training category, else the rule name itself.
std::map<std::string, std::string> CategoryOfRule(const config::Config& c) {
  std::map<std::string, std::string> out;
  for (const config::DomainSignal& d : c.routing.signals.domains) {
    std::string category = ToLower(d.name);
    for (const std::string& m : d.mmlu_categories) {
      const std::string lower = ToLower(m);
      bool known = false;
      for (const char* k : kCategories) known = known || lower == k;
      if (known) {
        category = lower;
        break;
      }
    }
    out[d.name] = category;
  }
  return out;
}

class ArtifactSelector final : public Selector {
 public:
  ArtifactSelector(std::string type, std::unique_ptr<ArtifactModel> model, std::string why,
                   std::map<std::string, std::string> category_of_rule)
      : type_(std::move(type)),
        model_(std::move(model)),
        why_(std::move(why)),
        category_of_rule_(std::move(category_of_rule)) {}
  std::string Method() const override { return type_; }

  std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                        std::string& error) const override {
    if (!model_) {
      error = type_ + ": " + why_;
      return std::nullopt;
    }
    const std::vector<float>* embedding = ctx.embedding ? ctx.embedding->Get() : nullptr;
    if (embedding == nullptr) {
      error = type_ + ": no query embedding (no embedding model loaded)";
      return std::nullopt;
    }
    auto rule = category_of_rule_.find(ctx.category);
    const std::string category =
        rule == category_of_rule_.end() ? ToLower(ctx.category) : rule->second;
    const std::string name = model_->Classify(ArtifactFeatures(*embedding, category), error);
    if (name.empty()) {
      error = type_ + ": " + error;
      return std::nullopt;
    }
    for (const config::ModelRef& ref : *ctx.candidates) {
      if ((ref.lora_name.empty() ? ref.model : ref.lora_name) != name) continue;
      SelectionResult r;
      r.method = type_;
      r.ref = &ref;
      r.score = 1.0;
      r.confidence = 0.8;
      r.reasoning = "Selected by " + type_ + " algorithm";
      return r;
    }
    error = type_ + ": selected model " + name + " not found in available refs";
    return std::nullopt;
  }

 private:
  std::string type_;
  std::unique_ptr<ArtifactModel> model_;
  std::string why_;  // why model_ is null
  std::map<std::string, std::string> category_of_rule_;
};

}  // namespace

std::vector<double> ArtifactFeatures(const std::vector<float>& embedding,
                                     const std::string& category) {
  std::vector<double> out(embedding.begin(), embedding.end());
  const size_t base = out.size();
  out.resize(base + std::size(kCategories), 0.0);
  size_t hot = 12;  // "other"
  for (size_t i = 0; i < std::size(kCategories); ++i) {
    if (category == kCategories[i]) hot = i;
  }
  out[base + hot] = 1.0;
  return out;
}

const json::object* TrainedArtifact(const json::value& v, const char* algorithm,
                                    std::string& error) {
  const json::object* o = v.if_object();
  const json::value* a = o ? o->if_contains("algorithm") : nullptr;
  if (a == nullptr || !a->is_string() || a->as_string() != algorithm) {
    error = std::string("not a ") + algorithm + " model (\"algorithm\": \"" + algorithm +
            "\" expected)";
    return nullptr;
  }
  const json::value* trained = o->if_contains("trained");
  if (trained == nullptr || !trained->is_bool() || !trained->as_bool()) {
    error = "the model is not trained (\"trained\": true expected)";
    return nullptr;
  }
  return o;
}

bool NumberRow(const json::value* v, std::vector<double>& out) {
  out.clear();
  if (v == nullptr || !v->is_array()) return false;
  for (const json::value& x : v->as_array()) {
    if (!x.is_number()) return false;
    const double d = x.to_number<double>();
    if (!std::isfinite(d)) return false;
    out.push_back(d);
  }
  return true;
}

double SquaredDistance(const double* a, const double* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

double Dot(const double* a, const double* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

std::unique_ptr<Selector> MakeArtifactSelector(const config::Config& c, const std::string& type,
                                               std::string& load_error) {
  const std::string path = ArtifactPath(c, type);
  std::unique_ptr<ArtifactModel> model;
  std::string why;
  if (path.empty()) {
    why =
        "no trained model configured (set global.router.model_selection.ml.models_path or "
        "algorithm." +
        type + ".pretrained_path)";
  } else if (auto text = ReadTextFile(path, why, 512u << 20)) {
    std::error_code ec;
    json::value v = json::parse(*text, ec);
    if (ec) {
      why = "invalid JSON: " + ec.message();
    } else {
      model = type == "knn"      ? ParseKnnModel(v, why)
              : type == "kmeans" ? ParseKmeansModel(v, why)
              : type == "svm"    ? ParseSvmModel(v, why)
                                 : ParseMlpModel(v, why);
    }
    if (!model) why = path + ": " + why;
  }
  if (!model) {
    load_error = type + " selection: " + why +
                 "; its decisions select statically until a trained model (upstream's "
                 "src/training/model_selection/ml_model_selection exports one) is there";
  }
  return std::make_unique<ArtifactSelector>(type, std::move(model), why, CategoryOfRule(c));
}

}  // namespace vsr::selection
