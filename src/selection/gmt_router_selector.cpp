#include "selection/gmt_router_selector.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <iostream>
#include <mutex>

#include "common/files.h"
#include "common/json_text.h"
#include "common/strings.h"
#include "common/unix_time.h"

namespace vsr::selection {
namespace {

struct Interaction {
  std::string model;
  double rating = 0;           // 1: preferred, 0: not
  int64_t time = 0;            // seconds
  std::string session, query;  // kept for the saved state (upstream's record fields)
};

struct UserState {
  std::deque<Interaction> interactions;  // the most recent max_interactions_per_user
  int total = 0;
  std::map<std::string, double> preferences;  // model -> learned score in [0, 1]
};

struct Settings {
  bool personalization = true;
  int min_interactions = 3;
  int max_interactions = 100;
  std::string storage_path;  // users' histories saved after every feedback, read at start
};

Settings SettingsOf(const config::Config& c) {
  Settings s;
  for (const config::Decision& d : c.routing.decisions) {
    if (!d.algorithm || !IEquals(d.algorithm->type, "gmtrouter") || !d.algorithm->gmtrouter)
      continue;
    const config::GmtRouterSelection& own = *d.algorithm->gmtrouter;
    if (own.min_interactions_for_personalization > 0)
      s.min_interactions = own.min_interactions_for_personalization;
    if (own.max_interactions_per_user > 0) s.max_interactions = own.max_interactions_per_user;
    s.storage_path = own.storage_path;
    break;
  }
  return s;
}

double Cosine(const std::map<std::string, double>& a, const std::map<std::string, double>& b) {
  double dot = 0, na = 0, nb = 0;
  for (const auto& [m, x] : a) {
    na += x * x;
    auto it = b.find(m);
    if (it != b.end()) dot += x * it->second;
  }
  for (const auto& [m, y] : b) nb += y * y;
  return na == 0 || nb == 0 ? 0.0 : dot / (std::sqrt(na) * std::sqrt(nb));
}

class GmtRouterSelector final : public Selector {
 public:
  GmtRouterSelector(const config::Config& c, const ModelFacts& facts,
                    const QueryEmbedding::EmbedFn& embed, std::function<int64_t()> now)
      : settings_(SettingsOf(c)), now_(std::move(now)) {
    if (!now_) {
      now_ = [] { return UnixSeconds(); };
    }
    for (const std::string& model : facts.models()) {
      base_[model] = facts.quality(model, 0.0);  // the configured quality_score (0 when unset)
      const std::string text = facts.DescriptionText(model, false);
      if (!embed || text.empty()) continue;
      double norm = 0;
      for (float x : embed(text)) norm += double(x) * x;
      bonus_[model] = 0.1 * std::sqrt(norm) / 10.0;
    }
    if (!settings_.storage_path.empty()) Load();
  }
  std::string Method() const override { return "gmtrouter"; }

  std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                        std::string& /*error*/) const override {
    const std::string user = ctx.user_id.empty() ? "anonymous" : ctx.user_id;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = users_.find(user);
    const UserState* state = it == users_.end() ? nullptr : &it->second;
    const int seen = state ? state->total : 0;
    const bool personal = settings_.personalization && seen >= settings_.min_interactions;
    SelectionResult r;
    r.method = Method();
    for (const config::ModelRef& ref : *ctx.candidates) {
      double s = Base(ref.model);
      if (personal) {
        auto p = state->preferences.find(ref.model);
        s = p != state->preferences.end() ? 0.3 * s + 0.7 * p->second : s * 0.9;
      }
      r.all_scores[ref.model] = s;
      if (r.ref == nullptr || s > r.score) r.ref = &ref, r.score = s;
    }
    // Confidence: the winner's margin over the runner-up.
    if (r.all_scores.size() > 1) {
      std::vector<double> scores;
      for (const auto& [m, s] : r.all_scores) scores.push_back(s);
      std::sort(scores.begin(), scores.end());
      r.confidence = std::clamp(0.5 + (r.score - scores[scores.size() - 2]) * 0.5, 0.1, 0.95);
    } else {
      r.confidence = 0.5;
    }
    r.reasoning = personal ? "GMTRouter personalized selection for user " + user + " (" +
                                 std::to_string(seen) + " interactions)"
                           : "GMTRouter cold-start selection (need " +
                                 std::to_string(settings_.min_interactions - seen) +
                                 " more interactions)";
    return r;
  }

  bool UpdateFeedback(const Feedback& f, std::string& error) override {
    if (f.winner_model.empty()) {
      error = "winner_model is required";
      return false;
    }
    const std::string user = f.user_id.empty() ? "anonymous" : f.user_id;
    std::lock_guard<std::mutex> lock(mu_);
    // Users come from request bodies: at most kMaxUsers are remembered.
    if (users_.size() >= kMaxUsers && !users_.count(user)) users_.erase(users_.begin());
    UserState& state = users_[user];
    const int64_t now = now_();
    Add(state, {f.winner_model, 1.0, now, f.session_id, f.query});
    if (!f.loser_model.empty() && !f.tie) {
      Add(state, {f.loser_model, 0.0, now, f.session_id, f.query});
    }
    Recompute(user, state, now);
    if (!settings_.storage_path.empty() && !Save(now, error)) return false;
    return true;
  }

 private:
  static constexpr size_t kMaxUsers = 10000;

  double Base(const std::string& model) const {
    auto it = base_.find(model);
    return it == base_.end() ? 0.5 : it->second;
  }
  void Add(UserState& state, Interaction i) const {
    state.interactions.push_back(std::move(i));
    if (state.interactions.size() > static_cast<size_t>(settings_.max_interactions))
      state.interactions.pop_front();
    ++state.total;
  }
  // Each model's preference: mean recency-weighted rating, damped by its spread, plus the
  // description bonus and what similar users think.
  void Recompute(const std::string& user, UserState& state, int64_t now) const {
    std::map<std::string, std::vector<double>> ratings;
    for (const Interaction& i : state.interactions) {
      const double age_hours = static_cast<double>(now - i.time) / 3600.0;
      ratings[i.model].push_back(i.rating * std::pow(0.5, age_hours / 168.0));
    }
    for (const auto& [model, msgs] : ratings) {
      double mean = 0, variance = 0;
      for (double m : msgs) mean += m;
      mean /= static_cast<double>(msgs.size());
      for (double m : msgs) variance += (m - mean) * (m - mean);
      if (msgs.size() > 1) variance /= static_cast<double>(msgs.size() - 1);
      double score = mean / (1.0 + variance);
      if (auto b = bonus_.find(model); b != bonus_.end()) score += b->second;
      score += 0.1 * NeighborInfluence(user, state, model);
      state.preferences[model] = std::clamp(score, 0.0, 1.0);
    }
  }
  double NeighborInfluence(const std::string& user, const UserState& state,
                           const std::string& model) const {
    double influence = 0;
    int count = 0;
    for (const auto& [other, s] : users_) {
      if (other == user) continue;
      const double similarity = Cosine(state.preferences, s.preferences);
      auto p = s.preferences.find(model);
      if (similarity < 0.3 || p == s.preferences.end()) continue;
      influence += similarity * p->second;
      ++count;
    }
    return count == 0 ? 0.0 : influence / count;
  }

  // storage_path holds upstream's saved state: {user: {user_id, interactions: [{user_id,
  // session_id, query, llm_model, feedback_type, rating, timestamp}], model_preferences,
  // last_updated, total_interactions}}, written whole and atomically (a crash never leaves half
  // a file).
  bool Save(int64_t now, std::string& error) const {
    namespace json = boost::json;
    json::object doc;
    for (const auto& [user, state] : users_) {
      json::array interactions;
      for (const Interaction& i : state.interactions) {
        interactions.push_back(json::object{{"user_id", user},
                                            {"session_id", i.session},
                                            {"turn_index", 0},
                                            {"query", i.query},
                                            {"llm_model", i.model},
                                            {"feedback_type", "rating"},
                                            {"rating", i.rating},
                                            {"timestamp", i.time}});
      }
      json::object preferences;
      for (const auto& [model, score] : state.preferences) preferences[model] = score;
      doc[user] = json::object{{"user_id", user},
                               {"interactions", std::move(interactions)},
                               {"model_preferences", std::move(preferences)},
                               {"last_updated", now},
                               {"total_interactions", state.total}};
    }
    if (!WriteFileAtomically(settings_.storage_path, CompactJson(doc), error)) {
      error = "feedback applied in memory but not saved: " + error;
      return false;
    }
    return true;
  }

  void Load() {
    namespace json = boost::json;
    std::string error;
    const std::optional<std::string> text = ReadTextFile(settings_.storage_path, error);
    if (!text) return;  // first run: nothing saved yet
    boost::system::error_code ec;
    const json::value doc = json::parse(*text, ec);
    if (ec || !doc.is_object()) {
      std::cerr << "WARNING - cannot read gmtrouter state from " << settings_.storage_path
                << " (not a JSON object); starting with no user history\n";
      return;
    }
    for (const auto& [key, value] : doc.as_object()) {
      const json::object* u = value.if_object();
      if (u == nullptr || users_.size() >= kMaxUsers) continue;
      UserState& state = users_[std::string(key)];
      if (const json::value* list = u->if_contains("interactions"); list && list->is_array()) {
        for (const json::value& item : list->as_array()) {
          const json::object* o = item.if_object();
          const json::value* model = o != nullptr ? o->if_contains("llm_model") : nullptr;
          if (model == nullptr || !model->is_string()) continue;
          Interaction i;
          i.model = std::string(model->as_string());
          if (const json::value* r = o->if_contains("rating"); r && r->is_number())
            i.rating = r->to_number<double>();
          if (const json::value* t = o->if_contains("timestamp"); t && t->is_number())
            i.time = t->to_number<int64_t>();
          if (const json::value* q = o->if_contains("query"); q && q->is_string())
            i.query = std::string(q->as_string());
          if (const json::value* id = o->if_contains("session_id"); id && id->is_string())
            i.session = std::string(id->as_string());
          state.interactions.push_back(std::move(i));
          if (state.interactions.size() > static_cast<size_t>(settings_.max_interactions))
            state.interactions.pop_front();
        }
      }
      state.total = static_cast<int>(state.interactions.size());
      if (const json::value* t = u->if_contains("total_interactions"); t && t->is_int64())
        state.total = std::max(state.total, static_cast<int>(t->as_int64()));
      if (const json::value* p = u->if_contains("model_preferences"); p && p->is_object()) {
        for (const auto& [model, score] : p->as_object()) {
          if (score.is_number()) state.preferences[std::string(model)] = score.to_number<double>();
        }
      }
    }
  }

  Settings settings_;
  std::function<int64_t()> now_;
  std::map<std::string, double> base_;   // model -> quality_score
  std::map<std::string, double> bonus_;  // model -> description-embedding bonus
  mutable std::mutex mu_;
  std::map<std::string, UserState> users_;
};

}  // namespace

std::unique_ptr<Selector> MakeGmtRouterSelector(const config::Config& c, const ModelFacts& facts,
                                                const QueryEmbedding::EmbedFn& embed,
                                                std::function<int64_t()> now) {
  return std::make_unique<GmtRouterSelector>(c, facts, embed, std::move(now));
}

}  // namespace vsr::selection
