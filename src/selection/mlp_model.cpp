// mlp (FusionFactory, arXiv:2507.10540): a small PyTorch network exported layer by layer —
// linear, relu, batch_norm (running statistics), dropout (the identity at inference) — run in
// float32 with double accumulation like upstream's candle model; the largest output names the
// model (equal maxima go to the last class).
#include <cmath>

#include "selection/ml_artifact.h"

namespace vsr::selection {
namespace {

namespace json = boost::json;

struct Layer {
  enum Kind { kLinear, kRelu, kBatchNorm, kIdentity } kind = kIdentity;
  size_t in = 0, out = 0;
  std::vector<float> weight, bias;             // linear: out x in, out
  std::vector<float> scale, shift, mean, std;  // batch_norm
};

class MlpModel final : public ArtifactModel {
 public:
  std::vector<std::string> names;
  std::vector<Layer> layers;

  std::string Pick(const std::vector<double>& query, std::string& error) const override {
    std::vector<float> x(query.begin(), query.end());
    for (const Layer& l : layers) {
      switch (l.kind) {
        case Layer::kLinear: {
          std::vector<float> y(l.out);
          for (size_t j = 0; j < l.out; ++j) {
            double acc = 0;
            for (size_t i = 0; i < l.in; ++i) acc += double(l.weight[j * l.in + i]) * x[i];
            y[j] = float(acc) + l.bias[j];
          }
          x = std::move(y);
          break;
        }
        case Layer::kRelu:
          for (float& v : x) v = v > 0 ? v : 0;
          break;
        case Layer::kBatchNorm:
          for (size_t i = 0; i < x.size(); ++i)
            x[i] = (x[i] - l.mean[i]) / l.std[i] * l.scale[i] + l.shift[i];
          break;
        case Layer::kIdentity:
          break;
      }
    }
    size_t best = 0;
    for (size_t i = 1; i < x.size(); ++i) {
      if (x[i] >= x[best]) best = i;
    }
    if (best >= names.size()) {
      error = "the network has " + std::to_string(x.size()) + " outputs but " +
              std::to_string(names.size()) + " model names";
      return "";
    }
    return names[best];
  }
};

// A per-feature batch-norm parameter: absent -> `fill`, else exactly n numbers.
bool VectorOr(const json::object& o, const char* key, size_t n, float fill,
              std::vector<float>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    out.assign(n, fill);
    return true;
  }
  std::vector<double> row;
  if (!NumberRow(v, row) || row.size() != n) return false;
  out.assign(row.begin(), row.end());
  return true;
}

bool ParseLayer(const json::object& o, size_t width, Layer& l, std::string& error) {
  const json::value* type = o.if_contains("type");
  if (type && (*type == "relu")) return l.kind = Layer::kRelu, true;
  if (type && (*type == "dropout")) return l.kind = Layer::kIdentity, true;
  if (type && (*type == "linear")) {
    l.kind = Layer::kLinear;
    const json::value* in = o.if_contains("in_features");
    const json::value* out = o.if_contains("out_features");
    if (!in || !in->is_int64() || static_cast<size_t>(in->as_int64()) != width || !out ||
        !out->is_int64() || out->as_int64() <= 0) {
      error =
          "expects " + std::to_string(width) + " inputs (in_features) and positive out_features";
      return false;
    }
    l.in = width;
    l.out = static_cast<size_t>(out->as_int64());
    const json::value* w = o.if_contains("weight");
    if (!w || !w->is_array() || w->as_array().size() != l.out) {
      error = "weight must be out_features rows";
      return false;
    }
    std::vector<double> row;
    for (const json::value& r : w->as_array()) {
      if (!NumberRow(&r, row) || row.size() != l.in) {
        error = "weight rows must have in_features values";
        return false;
      }
      l.weight.insert(l.weight.end(), row.begin(), row.end());
    }
    if (!VectorOr(o, "bias", l.out, 0.0f, l.bias)) {
      error = "bias must have out_features values";
      return false;
    }
    return true;
  }
  if (type && (*type == "batch_norm")) {
    l.kind = Layer::kBatchNorm;
    const json::value* n = o.if_contains("num_features");
    if (!n || !n->is_int64() || static_cast<size_t>(n->as_int64()) != width) {
      error = "expects num_features " + std::to_string(width);
      return false;
    }
    std::vector<float> variance;
    if (!VectorOr(o, "weight", width, 1.0f, l.scale) ||
        !VectorOr(o, "bias", width, 0.0f, l.shift) ||
        !VectorOr(o, "running_mean", width, 0.0f, l.mean) ||
        !VectorOr(o, "running_var", width, 1.0f, variance)) {
      error = "weight, bias, running_mean and running_var must have num_features values";
      return false;
    }
    float eps = 1e-5f;
    if (const json::value* e = o.if_contains("eps"); e && e->is_number())
      eps = static_cast<float>(e->to_number<double>());
    for (float v : variance) l.std.push_back(std::sqrt(v + eps));
    return true;
  }
  error = "unknown layer type (linear, relu, batch_norm or dropout expected)";
  return false;
}

}  // namespace

std::unique_ptr<ArtifactModel> ParseMlpModel(const json::value& v, std::string& error) {
  const json::object* o = TrainedArtifact(v, "mlp", error);
  if (o == nullptr) return nullptr;
  auto m = std::make_unique<MlpModel>();
  const json::value* names = o->if_contains("model_names");
  if (names && names->is_array()) {
    for (const json::value& n : names->as_array()) {
      if (n.is_string()) m->names.emplace_back(n.as_string());
    }
  }
  const json::value* dim = o->if_contains("feature_dim");
  if (m->names.empty() || !dim || !dim->is_int64() || dim->as_int64() <= 0) {
    error = "an MLP needs model_names and a positive feature_dim";
    return nullptr;
  }
  m->dim = static_cast<size_t>(dim->as_int64());
  size_t width = m->dim;
  const json::value* layers = o->if_contains("layers");
  if (!layers || !layers->is_array()) {
    error = "layers must be a list";
    return nullptr;
  }
  for (size_t i = 0; i < layers->as_array().size(); ++i) {
    const json::object* lo = layers->as_array()[i].if_object();
    Layer l;
    std::string why = "not an object";
    if (lo == nullptr || !ParseLayer(*lo, width, l, why)) {
      error = "layer " + std::to_string(i) + ": " + why;
      return nullptr;
    }
    if (l.kind == Layer::kLinear) width = l.out;
    m->layers.push_back(std::move(l));
  }
  return m;
}

}  // namespace vsr::selection
