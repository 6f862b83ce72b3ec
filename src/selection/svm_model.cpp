// svm: either sklearn SVC's exact one-vs-one parameters (support vectors per class, dual
// coefficients, intercepts; libsvm's vote, equal votes to the first class) or, in older
// exports, one-vs-rest classifiers (linear weights or RBF support vectors) scored on the
// unit-normalized query, the highest decision value winning.
#include <cmath>
#include <limits>
#include <set>

#include "selection/ml_artifact.h"

namespace vsr::selection {
namespace {

namespace json = boost::json;

struct OneVsRest {
  size_t name = 0;
  std::vector<double> weights;         // linear
  std::vector<double> alpha, vectors;  // RBF: coefficients, vectors x dim
  double gamma = 0, rho = 0;
};

class SvmModel final : public ArtifactModel {
 public:
  std::vector<std::string> names;
  bool rbf = false;
  double gamma = 0;
  // One-vs-one (exact SVC).
  bool svc = false;
  std::vector<double> vectors;                 // support vectors x dim
  std::vector<std::vector<double>> dual_coef;  // classes - 1 rows
  std::vector<double> intercept;               // one per class pair
  std::vector<size_t> starts;                  // first vector of each class, then the total
  // One-vs-rest.
  std::vector<OneVsRest> ovr;

  std::string Pick(const std::vector<double>& query, std::string& /*error*/) const override {
    if (svc) return names[Vote(query)];
    if (ovr.empty()) return names.front();
    std::vector<double> q = query;
    const double n = std::sqrt(Dot(q.data(), q.data(), dim));
    if (n > 1e-10)
      for (double& x : q) x /= n;
    const OneVsRest* best = nullptr;
    double best_score = -std::numeric_limits<double>::infinity();
    for (const OneVsRest& c : ovr) {
      double s;
      if (!c.weights.empty()) {
        s = Dot(c.weights.data(), q.data(), dim) - c.rho;
      } else {
        s = -c.rho;
        for (size_t i = 0; i < c.alpha.size(); ++i)
          s +=
              c.alpha[i] * std::exp(-c.gamma * SquaredDistance(&c.vectors[i * dim], q.data(), dim));
      }
      if (s > best_score) best_score = s, best = &c;
    }
    return names[best ? best->name : 0];
  }

 private:
  size_t Vote(const std::vector<double>& q) const {
    const size_t n = vectors.size() / dim;
    std::vector<double> kernel(n);
    for (size_t i = 0; i < n; ++i) {
      kernel[i] = rbf ? std::exp(-gamma * SquaredDistance(&vectors[i * dim], q.data(), dim))
                      : Dot(&vectors[i * dim], q.data(), dim);
    }
    const size_t classes = starts.size() - 1;
    std::vector<int> votes(classes, 0);
    size_t pair = 0;
    for (size_t i = 0; i < classes; ++i) {
      for (size_t j = i + 1; j < classes; ++j, ++pair) {
        double s = intercept[pair];
        for (size_t k = starts[i]; k < starts[i + 1]; ++k) s += dual_coef[j - 1][k] * kernel[k];
        for (size_t k = starts[j]; k < starts[j + 1]; ++k) s += dual_coef[i][k] * kernel[k];
        // sklearn flips the public signs of a binary SVC; multiclass keeps libsvm's.
        const bool first = classes == 2 ? s < 0 : s > 0;
        ++votes[first ? i : j];
      }
    }
    size_t winner = 0;
    for (size_t i = 1; i < classes; ++i) {
      if (votes[i] > votes[winner]) winner = i;
    }
    return winner;
  }
};

bool Rows(const json::value* v, size_t dim, std::vector<double>& flat, size_t& count) {
  if (v == nullptr || !v->is_array()) return false;
  std::vector<double> row;
  count = 0;
  for (const json::value& r : v->as_array()) {
    if (!NumberRow(&r, row) || row.size() != dim) return false;
    flat.insert(flat.end(), row.begin(), row.end());
    ++count;
  }
  return true;
}

bool ParseSvc(const json::object& p, SvmModel& m) {
  const size_t classes = m.names.size();
  size_t count = 0;
  if (classes < 2 || m.dim == 0 ||
      !Rows(p.if_contains("support_vectors"), m.dim, m.vectors, count) || count == 0)
    return false;
  const json::value* dual = p.if_contains("dual_coef");
  if (!dual || !dual->is_array() || dual->as_array().size() != classes - 1) return false;
  for (const json::value& row : dual->as_array()) {
    m.dual_coef.emplace_back();
    if (!NumberRow(&row, m.dual_coef.back()) || m.dual_coef.back().size() != count) return false;
  }
  std::vector<double> n_support;
  if (!NumberRow(p.if_contains("intercept"), m.intercept) ||
      m.intercept.size() != classes * (classes - 1) / 2 ||
      !NumberRow(p.if_contains("n_support"), n_support) || n_support.size() != classes)
    return false;
  m.starts.assign(1, 0);
  for (double s : n_support) {
    if (s < 0 || s != std::floor(s)) return false;
    m.starts.push_back(m.starts.back() + static_cast<size_t>(s));
  }
  m.svc = m.starts.back() == count;
  return m.svc;
}

bool ParseOneVsRest(const json::object& o, const std::map<std::string, size_t>& index,
                    SvmModel& m) {
  for (const char* key : {"linear_classifiers", "rbf_classifiers"}) {
    const json::value* list = o.if_contains(key);
    if (list == nullptr || list->is_null()) continue;
    if (!list->is_array()) return false;
    const bool rbf = key[0] == 'r';
    for (const json::value& item : list->as_array()) {
      const json::object* c = item.if_object();
      if (c == nullptr) return false;
      const json::value* name = c->if_contains("model_name");
      const json::value* rho = c->if_contains("rho");
      if (!name || !name->is_string() || !index.count(std::string(name->as_string())) || !rho ||
          !rho->is_number())
        return false;
      OneVsRest k;
      k.name = index.at(std::string(name->as_string()));
      k.rho = rho->to_number<double>();
      if (!rbf) {
        if (!NumberRow(c->if_contains("weights"), k.weights) || k.weights.empty()) return false;
        if (m.dim == 0) m.dim = k.weights.size();
        if (k.weights.size() != m.dim) return false;
      } else {
        const json::value* g = c->if_contains("gamma");
        if (!g || !g->is_number() || g->to_number<double>() <= 0) return false;
        k.gamma = g->to_number<double>();
        const json::value* sv = c->if_contains("support_vectors");
        if (!sv || !sv->is_array() || sv->as_array().empty()) return false;
        std::vector<double> first;
        if (!NumberRow(&sv->as_array().front(), first) || first.empty()) return false;
        if (m.dim == 0) m.dim = first.size();
        size_t count = 0;
        if (!Rows(sv, m.dim, k.vectors, count) || !NumberRow(c->if_contains("alpha"), k.alpha) ||
            k.alpha.size() != count)
          return false;
      }
      m.ovr.push_back(std::move(k));
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<ArtifactModel> ParseSvmModel(const json::value& v, std::string& error) {
  const json::object* o = TrainedArtifact(v, "svm", error);
  if (o == nullptr) return nullptr;
  const json::value* version = o->if_contains("format_version");
  if (version && !(version->is_int64() && (version->as_int64() == 1 || version->as_int64() == 2))) {
    error = "unsupported SVM format_version (1 or 2 expected)";
    return nullptr;
  }
  auto m = std::make_unique<SvmModel>();
  const json::value* kernel = o->if_contains("kernel_type");
  if (!kernel || !(*kernel == "Linear" || *kernel == "Rbf")) {
    error = "kernel_type must be \"Linear\" or \"Rbf\"";
    return nullptr;
  }
  m->rbf = *kernel == "Rbf";
  const json::value* names = o->if_contains("model_names");
  std::map<std::string, size_t> index;
  if (names && names->is_array()) {
    for (const json::value& n : names->as_array()) {
      if (!n.is_string()) break;
      index.emplace(std::string(n.as_string()), m->names.size());
      m->names.emplace_back(n.as_string());
    }
  }
  if (m->names.empty() || index.size() != m->names.size() ||
      m->names.size() != names->as_array().size()) {
    error = "model_names must be a non-empty list of distinct names";
    return nullptr;
  }
  const json::value* gamma = o->if_contains("gamma");
  if (!gamma || !gamma->is_number() || !(gamma->to_number<double>() > 0) ||
      !std::isfinite(gamma->to_number<double>())) {
    error = "gamma must be a finite positive number";
    return nullptr;
  }
  m->gamma = gamma->to_number<double>();
  if (const json::value* d = o->if_contains("feature_dim"); d && d->is_int64() && d->as_int64() > 0)
    m->dim = static_cast<size_t>(d->as_int64());
  // Exact parameters under "svc", or (older exports) at the top level.
  const json::object* svc = nullptr;
  if (const json::value* s = o->if_contains("svc"); s && s->is_object()) svc = &s->as_object();
  if (svc == nullptr && o->contains("support_vectors") && !(*o).at("support_vectors").is_null())
    svc = o;
  if (svc != nullptr) {
    const json::value* norm = o->if_contains("input_normalization");
    if (norm && !norm->is_null() && *norm != "none") {
      error = "unsupported input_normalization (only \"none\")";
      return nullptr;
    }
    if (!ParseSvc(*svc, *m)) {
      error = "invalid SVC parameters (support_vectors, dual_coef, intercept, n_support shapes)";
      return nullptr;
    }
    return m;
  }
  if (version && version->as_int64() == 2) {
    error = "format_version 2 requires the exact SVC parameters (\"svc\")";
    return nullptr;
  }
  if (!ParseOneVsRest(*o, index, *m)) {
    error = "invalid linear_classifiers / rbf_classifiers";
    return nullptr;
  }
  if (m->dim == 0) {
    error = "no feature_dim and no classifier to infer it from";
    return nullptr;
  }
  return m;
}

}  // namespace vsr::selection
