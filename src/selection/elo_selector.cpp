#include "selection/elo_selector.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <mutex>

#include "common/files.h"
#include "common/json_text.h"
#include "common/rfc3339.h"
#include "common/unix_time.h"

namespace vsr::selection {
namespace {

struct Rating {
  double rating = 0;
  int comparisons = 0, wins = 0, losses = 0, ties = 0;
};
using Table = std::map<std::string, Rating>;

class EloSelectorImpl final : public EloSelector {
 public:
  EloSelectorImpl(const config::Config& c, const config::EloSelection& s)
      : initial_(s.initial_rating > 0 ? s.initial_rating : 1500.0),
        k_(s.k_factor > 0 ? s.k_factor : 32.0),
        category_weighted_(s.category_weighted),
        min_comparisons_(s.min_comparisons > 0 ? s.min_comparisons : 5),
        storage_path_(s.storage_path) {
    for (const config::ProviderModel& m : c.providers.models) global_[m.name].rating = initial_;
    if (category_weighted_) {
      for (const config::DomainSignal& d : c.routing.signals.domains) {
        for (const config::ModelScore& ms : d.model_scores) {
          categories_[d.name][ms.model].rating = 1000.0 + ms.score * 1000.0;
        }
      }
    }
    if (!storage_path_.empty()) Load();
  }

  std::string Method() const override { return "elo"; }

  std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                        std::string& /*error*/) const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Rating> ratings;
    double total = 0;
    for (const config::ModelRef& ref : *ctx.candidates) {
      ratings.push_back(RatingFor(ctx.decision_name, ref.model));
      total += std::pow(10.0, ratings.back().rating / 400.0);
    }
    SelectionResult r;
    r.method = Method();
    size_t best = 0;
    for (size_t i = 0; i < ratings.size(); ++i) {
      const double p = total > 0 ? std::pow(10.0, ratings[i].rating / 400.0) / total
                                 : 1.0 / static_cast<double>(ratings.size());
      r.all_scores[(*ctx.candidates)[i].model] = p;
      if (i == 0 || p > r.score) {
        r.score = p;
        best = i;
      }
    }
    r.ref = &(*ctx.candidates)[best];
    // Confidence: how much evidence stands behind the winner's rating.
    r.confidence = std::min(1.0, static_cast<double>(ratings[best].comparisons) / min_comparisons_);
    const Rating& w = ratings[best];
    char buf[160];
    std::snprintf(buf, sizeof buf, "Selected based on Elo rating %.1f (win rate: %d/%d)", w.rating,
                  w.wins, w.wins + w.losses + w.ties);
    r.reasoning = buf;
    if (category_weighted_ && !ctx.decision_name.empty()) {
      r.reasoning = "Category '" + ctx.decision_name + "': " + r.reasoning;
    }
    return r;
  }

  bool UpdateFeedback(const Feedback& f, std::string& error) override {
    if (f.winner_model.empty() && f.loser_model.empty()) {
      error = "either winner_model or loser_model is required";
      return false;
    }
    std::lock_guard<std::mutex> lock(mu_);
    Update(global_, f);
    if (category_weighted_ && !f.decision_name.empty()) Update(categories_[f.decision_name], f);
    if (!storage_path_.empty() && !Save(error)) return false;
    return true;
  }

  std::vector<RatingView> Leaderboard(const std::string& category) const override {
    std::lock_guard<std::mutex> lock(mu_);
    const Table* table = &global_;
    if (!category.empty()) {
      auto it = categories_.find(category);
      if (it == categories_.end()) return {};
      table = &it->second;
    }
    std::vector<RatingView> out;
    for (const auto& [model, r] : *table)
      out.push_back({model, r.rating, r.wins, r.losses, r.ties});
    std::stable_sort(out.begin(), out.end(),
                     [](const RatingView& a, const RatingView& b) { return a.rating > b.rating; });
    return out;
  }

 private:
  Rating RatingFor(const std::string& decision, const std::string& model) const {
    if (category_weighted_ && !decision.empty()) {
      auto cat = categories_.find(decision);
      if (cat != categories_.end()) {
        auto it = cat->second.find(model);
        if (it != cat->second.end()) return it->second;
      }
    }
    auto it = global_.find(model);
    if (it != global_.end()) return it->second;
    Rating fresh;
    fresh.rating = initial_;
    return fresh;
  }

  // Standard Elo: expected score E = 1 / (1 + 10^((Rb - Ra)/400)); R' = R + K (S - E).
  void Update(Table& table, const Feedback& f) {
    auto get = [&](const std::string& model) -> Rating& {
      auto [it, added] = table.try_emplace(model);
      if (added) it->second.rating = initial_;
      return it->second;
    };
    if (f.loser_model.empty()) {  // a thumbs-up without an opponent: count it, move nothing
      Rating& w = get(f.winner_model);
      ++w.comparisons;
      ++w.wins;
      return;
    }
    Rating& a = get(f.winner_model);
    Rating& b = get(f.loser_model);
    const double expected_a = 1.0 / (1.0 + std::pow(10.0, (b.rating - a.rating) / 400.0));
    const double score_a = f.tie ? 0.5 : 1.0;
    const double delta = k_ * (score_a - expected_a);
    a.rating += delta;
    b.rating -= delta;
    ++a.comparisons;
    ++b.comparisons;
    if (f.tie) {
      ++a.ties;
      ++b.ties;
    } else {
      ++a.wins;
      ++b.losses;
    }
  }

  // storage_path: upstream's file format ({version, last_updated, global_ratings,
  // category_ratings}); written atomically after every feedback, read at start.
  static boost::json::object TableJson(const Table& table) {
    boost::json::object out;
    for (const auto& [model, r] : table) {
      boost::json::object o;
      o["model"] = model;
      o["rating"] = r.rating;
      o["comparisons"] = r.comparisons;
      o["wins"] = r.wins;
      o["losses"] = r.losses;
      o["ties"] = r.ties;
      out[model] = std::move(o);
    }
    return out;
  }

  static void ReadTable(const boost::json::value& v, Table& table) {
    if (!v.is_object()) return;
    for (const auto& kv : v.as_object()) {
      if (!kv.value().is_object()) continue;
      const auto& o = kv.value().as_object();
      Rating& r = table[std::string(kv.key())];
      auto num = [&](const char* key) {
        const boost::json::value* x = o.if_contains(key);
        return x && x->is_number() ? x->to_number<double>() : 0.0;
      };
      r.rating = num("rating");
      r.comparisons = static_cast<int>(num("comparisons"));
      r.wins = static_cast<int>(num("wins"));
      r.losses = static_cast<int>(num("losses"));
      r.ties = static_cast<int>(num("ties"));
    }
  }

  bool Save(std::string& error) const {
    boost::json::object doc;
    doc["version"] = 1;
    doc["last_updated"] = Rfc3339Utc(UnixSeconds());
    doc["global_ratings"] = TableJson(global_);
    boost::json::object categories;
    for (const auto& [name, table] : categories_) categories[name] = TableJson(table);
    doc["category_ratings"] = std::move(categories);
    if (!WriteFileAtomically(storage_path_, PrettyJson(doc), error)) {
      error = "feedback applied in memory but not saved: " + error;
      return false;
    }
    return true;
  }

  void Load() {
    std::string error;
    const auto text = ReadTextFile(storage_path_, error);
    if (!text) return;  // first run: nothing saved yet
    std::error_code ec;
    const boost::json::value doc = boost::json::parse(*text, ec);
    if (ec || !doc.is_object()) {
      std::cerr << "WARNING - cannot read Elo ratings from " << storage_path_
                << " (not valid JSON); starting from the configured ratings\n";
      return;
    }
    if (const auto* g = doc.as_object().if_contains("global_ratings")) ReadTable(*g, global_);
    if (const auto* c = doc.as_object().if_contains("category_ratings"); c && c->is_object()) {
      for (const auto& kv : c->as_object())
        ReadTable(kv.value(), categories_[std::string(kv.key())]);
    }
  }

  double initial_, k_;
  bool category_weighted_;
  int min_comparisons_;
  std::string storage_path_;
  mutable std::mutex mu_;
  Table global_;
  std::map<std::string, Table> categories_;
};

}  // namespace

std::unique_ptr<EloSelector> MakeEloSelector(const config::Config& c,
                                             const config::EloSelection& settings) {
  return std::make_unique<EloSelectorImpl>(c, settings);
}

}  // namespace vsr::selection
