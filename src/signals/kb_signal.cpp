// The kb family: knowledge bases (global.model_catalog.kbs; built-ins privacy_kb and mmlu_kb)
// are label taxonomies with example prompts, read from <source.path>/<source.manifest>
// ({"labels": {"<label>": {"description", "exemplars": [...]}}}) relative to the config file.
// Each label's exemplars form a prototype bank (the kb's prototype_scoring). A request scores
// every label; a label matches at >= its label_thresholds entry, else the kb's threshold; a
// group scores its best label and matches when one of its labels matched. A rule targets a
// label or a group, with match "threshold" (default: the target matched) or "best" (the target
// is the top-scoring one). Metrics (values "kb_metric:<kb>:<metric>", for projections):
// best_score, best_matched_score, and each group_margin metric (positive minus negative group).
#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <map>

#include "common/files.h"
#include "common/strings.h"
#include "signals/learned.h"
#include "signals/prototype_bank.h"

namespace vsr::signals {
namespace {

namespace json = boost::json;

struct LoadedKb {
  const config::KnowledgeBase* config = nullptr;
  PrototypeOptions options;
  std::map<std::string, PrototypeBank> labels;  // sorted: ties resolve by name
};

struct KbScores {
  std::map<std::string, double> labels, groups;
  std::vector<std::string> matched_labels, matched_groups;
  std::string best_label, best_group;
};

// The (name, score) with the highest score; ties to the first name in order.
std::pair<std::string, double> Best(const std::map<std::string, double>& scores) {
  std::pair<std::string, double> best{"", 0.0};
  for (const auto& [name, score] : scores) {
    if (best.first.empty() || score > best.second) best = {name, score};
  }
  return best;
}

class KbSignal final : public Signal {
 public:
  KbSignal(const config::Config& c, std::shared_ptr<const ml::Embedder> embedder,
           std::map<std::string, LoadedKb> kbs)
      : rules_(c.routing.signals.kb), embedder_(std::move(embedder)), kbs_(std::move(kbs)) {}
  Family family() const override { return Family::kKb; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    if (Trim(request.evaluation_text).empty()) return;
    const std::vector<float> query = embedder_->Embed(request.evaluation_text);
    std::map<std::string, KbScores> scored;
    for (const auto& [name, kb] : kbs_) scored[name] = Score(kb, query, out);
    for (const config::KbSignal& r : rules_) {
      const auto it = scored.find(r.kb);
      if (it == scored.end()) continue;
      const KbScores& s = it->second;
      const bool group = r.target.kind == "group";
      const auto& scores = group ? s.groups : s.labels;
      const auto score = scores.find(r.target.value);
      if (score == scores.end()) continue;
      const bool matched =
          r.match == "best" ? (group ? s.best_group : s.best_label) == r.target.value
                            : Contains(group ? s.matched_groups : s.matched_labels, r.target.value);
      if (!matched) continue;
      out.matched.push_back(r.name);
      out.confidences["kb:" + r.name] = score->second;
      out.confidence = std::max(out.confidence, score->second);
    }
  }

 private:
  static KbScores Score(const LoadedKb& kb, const std::vector<float>& query, SignalOutput& out) {
    const config::KnowledgeBase& cfg = *kb.config;
    KbScores s;
    std::map<std::string, double> matched_scores;
    for (const auto& [label, bank] : kb.labels) {
      const double score = bank.Score(query, kb.options.best_weight, kb.options.top_m).score;
      s.labels[label] = score;
      const auto t = cfg.label_thresholds.find(label);
      if (score >= (t != cfg.label_thresholds.end() ? t->second : cfg.threshold)) {
        s.matched_labels.push_back(label);
        matched_scores[label] = score;
      }
    }
    for (const auto& [group, labels] : cfg.groups) {
      double best = 0;
      bool any = false;
      for (const std::string& l : labels) {
        if (const auto it = s.labels.find(l); it != s.labels.end())
          best = std::max(best, it->second);
        any = any || Contains(s.matched_labels, l);
      }
      s.groups[group] = best;
      if (any) s.matched_groups.push_back(group);
    }
    const auto [best_label, best_score] = Best(s.labels);
    s.best_label = best_label;
    s.best_group = Best(s.groups).first;
    const std::string prefix = ToLower("kb_metric:" + cfg.name + ":");
    out.values[prefix + "best_score"] = best_score;
    out.values[prefix + "best_matched_score"] = Best(matched_scores).second;
    for (const config::KbMetric& m : cfg.metrics) {
      if (m.type != "group_margin") continue;
      out.values[prefix + ToLower(m.name)] =
          s.groups[m.positive_group] - s.groups[m.negative_group];
    }
    return s;
  }

  std::vector<config::KbSignal> rules_;
  std::shared_ptr<const ml::Embedder> embedder_;
  std::map<std::string, LoadedKb> kbs_;
};

// Reads the kb's manifest and embeds every label's exemplars; false with `error` naming the
// file when it cannot be used.
bool LoadKb(const config::Config& c, const config::KnowledgeBase& kb, const ml::Embedder& embedder,
            LoadedKb& out, std::string& error) {
  std::filesystem::path path = std::filesystem::path(kb.source.path) /
                               (kb.source.manifest.empty() ? "labels.json" : kb.source.manifest);
  if (path.is_relative() && !c.source_dir.empty()) path = c.source_dir / path;
  std::string read_error;
  const std::optional<std::string> text = ReadTextFile(path.string(), read_error, 64 << 20);
  boost::system::error_code ec;
  const json::value doc = text ? json::parse(*text, ec) : json::value();
  const json::object* labels = nullptr;
  if (text && !ec && doc.is_object()) {
    if (const json::value* l = doc.as_object().if_contains("labels")) labels = l->if_object();
  }
  if (labels == nullptr) {
    error = "knowledge base '" + kb.name + "': " + path.string() + ": " +
            (!text ? read_error : "not a JSON object with a \"labels\" map") +
            "; set global.model_catalog.kbs[name=" + kb.name + "].source to its folder";
    return false;
  }
  out.config = &kb;
  out.options = ResolvePrototypeOptions(kb.prototype_scoring);
  for (const auto& [label, body] : *labels) {
    const json::value* exemplars =
        body.is_object() ? body.as_object().if_contains("exemplars") : nullptr;
    if (exemplars == nullptr || !exemplars->is_array()) continue;
    std::vector<std::string> texts;
    for (const json::value& e : exemplars->as_array()) {
      if (e.is_string()) texts.emplace_back(e.as_string());
    }
    if (!texts.empty())
      out.labels.emplace(std::string(label), BankOf(embedder, texts, out.options));
  }
  if (out.labels.empty()) {
    error = "knowledge base '" + kb.name + "': " + path.string() + " has no label with exemplars";
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<Signal> MakeKbSignal(const config::Config& c, ml::ModelStore& models,
                                     std::string& error) {
  auto embedder = LoadEmbedder(EmbeddingModel(c), models, error);
  if (!embedder) return nullptr;
  // The knowledge bases kb rules and kb_metric projection inputs name, and who names them.
  std::vector<std::pair<std::string, std::string>> wanted;
  for (const config::KbSignal& r : c.routing.signals.kb)
    wanted.emplace_back(r.kb, "kb rule '" + r.name + "'");
  for (const config::ProjectionScore& p : c.routing.projections.scores) {
    for (const config::ProjectionScoreInput& in : p.inputs) {
      if (IEquals(in.type, "kb_metric")) wanted.emplace_back(in.kb, "projection '" + p.name + "'");
    }
  }
  std::map<std::string, LoadedKb> kbs;
  for (const auto& [name, user] : wanted) {
    if (kbs.contains(name)) continue;
    const auto& all = c.global.model_catalog.kbs;
    const auto kb = std::find_if(all.begin(), all.end(),
                                 [&](const config::KnowledgeBase& k) { return k.name == name; });
    if (kb == all.end()) {
      error =
          "knowledge base '" + name + "' (" + user + ") is not defined in global.model_catalog.kbs";
      return nullptr;
    }
    if (!LoadKb(c, *kb, *embedder, kbs[name], error)) return nullptr;
  }
  return std::make_unique<KbSignal>(c, std::move(embedder), std::move(kbs));
}

}  // namespace vsr::signals
