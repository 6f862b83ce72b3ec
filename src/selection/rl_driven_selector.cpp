#include "selection/rl_driven_selector.h"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>

#include "common/files.h"
#include "common/json_text.h"
#include "common/strings.h"
#include "selection/router_r1.h"

namespace vsr::selection {
namespace {

namespace json = boost::json;

struct Belief {
  double alpha = 1, beta = 1;  // uniform prior
  int interactions = 0;
  double Mean() const { return alpha / (alpha + beta); }
  double Variance() const {
    const double s = alpha + beta;
    return alpha * beta / (s * s * (s + 1));
  }
};

Belief Blend(const Belief& a, const Belief& b, double w) {
  return {(1 - w) * a.alpha + w * b.alpha, (1 - w) * a.beta + w * b.beta,
          a.interactions + b.interactions};
}

struct SessionStats {
  int selections = 0, successes = 0;
};

struct Settings {
  bool personalization = true;
  double personalization_blend = 0.7;
  double session_weight = 0.3;
  double implicit_weight = 0.5;
  bool cost_awareness = true;
  double cost_weight = 0.2;
  std::string storage_path;  // beliefs saved here after every feedback, read at start
  // Router-R1: the server asked first (enable_llm_routing with router_r1_server_url); when it
  // fails, Thompson sampling chooses unless llm_routing_fallback is "error".
  std::string router_r1_url;
  bool router_r1_fallback_error = false;
};

// Upstream's defaults; a decision's block only switches features on and replaces non-zero
// numbers (so use_thompson_sampling and cost_awareness stay on: epsilon-greedy, reachable only
// by turning Thompson sampling off, is never used).
Settings SettingsOf(const config::Config& c) {
  Settings s;
  for (const config::Decision& d : c.routing.decisions) {
    if (!d.algorithm || !IEquals(d.algorithm->type, "rl_driven") || !d.algorithm->rl_driven)
      continue;
    const config::RlDrivenSelection& own = *d.algorithm->rl_driven;
    if (own.personalization_blend != 0) s.personalization_blend = own.personalization_blend;
    if (own.cost_weight != 0) s.cost_weight = own.cost_weight;
    if (own.session_context_weight != 0) s.session_weight = own.session_context_weight;
    if (own.implicit_feedback_weight != 0) s.implicit_weight = own.implicit_feedback_weight;
    s.storage_path = own.storage_path;
    if (own.enable_llm_routing) s.router_r1_url = own.router_r1_server_url;
    s.router_r1_fallback_error = own.llm_routing_fallback == "error";
    break;
  }
  return s;
}

class RlDrivenSelector final : public Selector {
 public:
  RlDrivenSelector(const config::Config& c, const ModelFacts& facts, unsigned long long seed,
                   HttpPostFn post)
      : settings_(SettingsOf(c)),
        post_(std::move(post)),
        costs_(facts.costs()),
        rng_(seed ? seed : std::random_device{}()) {
    for (const std::string& m : facts.models()) global_[m] = Belief{};
    for (const config::DomainSignal& d : c.routing.signals.domains) {
      for (const config::ModelScore& ms : d.model_scores) {
        categories_[d.name][ms.model] = {1.0 + ms.score * 10.0, 1.0 + (1.0 - ms.score) * 10.0, 0};
      }
    }
    if (!settings_.storage_path.empty()) Load();
  }
  std::string Method() const override { return "rl_driven"; }

  std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                        std::string& error) const override {
    std::string router_r1_error;
    if (!settings_.router_r1_url.empty()) {  // a call: never under the lock
      std::optional<RouterR1Choice> choice;
      if (post_) {
        choice = AskRouterR1(post_, settings_.router_r1_url, ctx, router_r1_error);
      } else {
        router_r1_error = "Router-R1 routing failed: this process has no HTTP client for it";
      }
      if (choice) return FromRouterR1(*choice);
      if (settings_.router_r1_fallback_error) {
        error = router_r1_error;
        return std::nullopt;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    SelectionResult r;
    r.method = Method();
    Belief chosen;
    for (const config::ModelRef& ref : *ctx.candidates) {
      const Belief b = BeliefFor(ctx, ref.model);
      double draw = Sample(b);
      if (settings_.cost_awareness && settings_.cost_weight > 0)
        draw *= CheapnessBonus(costs_, ref.model, settings_.cost_weight);
      if (!ctx.session_id.empty() && settings_.session_weight > 0)
        draw = WithSession(ctx.session_id, ref.model, draw);
      r.all_scores[ref.model] = draw;
      if (r.ref == nullptr || draw > r.score) r.ref = &ref, r.score = draw, chosen = b;
    }
    // Confidence grows as the belief narrows and as interactions accumulate.
    const double narrow = 1.0 - 4 * chosen.Variance();
    const double seen = 1.0 / (1.0 + std::exp(-0.1 * (chosen.interactions - 10)));
    r.confidence = std::min(1.0, std::max(0.0, (narrow + seen) / 2.0));
    char buf[192];
    std::snprintf(buf, sizeof buf, "Thompson Sampling: sampled=%.3f, Beta(%.1f, %.1f), mean=%.3f",
                  r.score, chosen.alpha, chosen.beta, chosen.Mean());
    std::string parts = buf;
    if (chosen.interactions > 0) parts += ", interactions=" + std::to_string(chosen.interactions);
    if (!ctx.user_id.empty() && settings_.personalization)
      parts += ", personalized for user=" + ctx.user_id;
    r.reasoning = "RL-driven: [" + parts + "]";
    if (!router_r1_error.empty()) r.reasoning = router_r1_error + "; " + r.reasoning;
    return r;
  }

  bool UpdateFeedback(const Feedback& f, std::string& error) override {
    if (f.winner_model.empty() && f.loser_model.empty()) {
      error = "either winner_model or loser_model is required";
      return false;
    }
    for (const std::string* m : {&f.winner_model, &f.loser_model}) {
      if (!m->empty() && !global_.count(*m)) {
        error = "model '" + *m + "' is not configured (providers.models / routing.modelCards)";
        return false;
      }
    }
    double weight = 1.0;
    if (!f.feedback_type.empty()) {
      weight = settings_.implicit_weight * (f.confidence > 0 ? f.confidence : 1.0);
    }
    std::lock_guard<std::mutex> lock(mu_);
    Update(global_, f, weight);
    if (settings_.personalization && !f.user_id.empty()) Update(Slot(users_, f.user_id), f, weight);
    if (!f.decision_name.empty()) Update(Slot(categories_, f.decision_name), f, weight);
    if (!f.session_id.empty()) {
      auto& session = Slot(sessions_, f.session_id);
      if (!f.winner_model.empty()) {
        SessionStats& s = session[f.winner_model];
        ++s.selections;
        if (!f.tie) ++s.successes;
      }
      if (!f.loser_model.empty()) ++session[f.loser_model].selections;
    }
    if (!settings_.storage_path.empty() && !Save(error)) return false;
    return true;
  }

 private:
  using Table = std::map<std::string, Belief>;

  // Users, sessions and decisions come from request bodies: at most kMaxKeys of each are
  // remembered (a new one past that replaces an arbitrary old one); models must be configured.
  static constexpr size_t kMaxKeys = 10000;
  template <typename Map>
  static typename Map::mapped_type& Slot(Map& map, const std::string& key) {
    if (map.size() >= kMaxKeys && map.find(key) == map.end()) map.erase(map.begin());
    return map[key];
  }

  static void Update(Table& table, const Feedback& f, double weight) {
    if (!f.winner_model.empty()) {
      Belief& b = table[f.winner_model];
      if (f.tie) {
        b.alpha += 0.5 * weight, b.beta += 0.5 * weight;
      } else {
        b.alpha += weight;
      }
      ++b.interactions;
    }
    if (!f.loser_model.empty()) {
      Belief& b = table[f.loser_model];
      if (f.tie) {
        b.alpha += 0.5 * weight, b.beta += 0.5 * weight;
      } else {
        b.beta += weight;
      }
      ++b.interactions;
    }
  }
  static const Belief* Find(const std::map<std::string, Table>& tables, const std::string& key,
                            const std::string& model) {
    auto t = tables.find(key);
    if (t == tables.end()) return nullptr;
    auto it = t->second.find(model);
    return it == t->second.end() ? nullptr : &it->second;
  }

  Belief BeliefFor(const SelectionContext& ctx, const std::string& model) const {
    auto g = global_.find(model);
    const Belief global = g == global_.end() ? Belief{} : g->second;
    const Belief* category = Find(categories_, ctx.decision_name, model);
    if (!settings_.personalization || ctx.user_id.empty()) {
      return category ? Blend(global, *category, 0.5) : global;
    }
    const Belief* user = Find(users_, ctx.user_id, model);
    Belief blended = Blend(global, user ? *user : global, settings_.personalization_blend);
    return category ? Blend(blended, *category, 0.3) : blended;
  }

  double Sample(const Belief& b) const {
    std::gamma_distribution<double> x(b.alpha > 0 ? b.alpha : 1.0), y(b.beta > 0 ? b.beta : 1.0);
    const double a = x(rng_), c = y(rng_);
    return a + c == 0 ? 0.5 : a / (a + c);
  }

  double WithSession(const std::string& session, const std::string& model, double draw) const {
    auto s = sessions_.find(session);
    if (s == sessions_.end()) return draw;
    auto it = s->second.find(model);
    if (it == s->second.end() || it->second.selections == 0) return draw;
    const double rate = double(it->second.successes) / it->second.selections;
    return (1 - settings_.session_weight) * draw + settings_.session_weight * rate;
  }

  // storage_path: {version, global, categories, users: {user: {model: {alpha, beta,
  // interactions}}}, sessions: {session: {model: {selections, successes}}}}.
  static json::object TableJson(const Table& table) {
    json::object out;
    for (const auto& [model, b] : table)
      out[model] = {{"alpha", b.alpha}, {"beta", b.beta}, {"interactions", b.interactions}};
    return out;
  }
  static json::object TablesJson(const std::map<std::string, Table>& tables) {
    json::object out;
    for (const auto& [key, table] : tables) out[key] = TableJson(table);
    return out;
  }
  bool Save(std::string& error) const {
    json::object sessions;
    for (const auto& [id, stats] : sessions_) {
      json::object models;
      for (const auto& [model, st] : stats)
        models[model] = {{"selections", st.selections}, {"successes", st.successes}};
      sessions[id] = std::move(models);
    }
    const json::object doc{{"version", 1},
                           {"global", TableJson(global_)},
                           {"categories", TablesJson(categories_)},
                           {"users", TablesJson(users_)},
                           {"sessions", std::move(sessions)}};
    if (!WriteFileAtomically(settings_.storage_path, PrettyJson(doc), error)) {
      error = "feedback applied in memory but not saved: " + error;
      return false;
    }
    return true;
  }
  // Only configured models are read back (a model removed from the config is forgotten).
  void ReadTable(const json::value* v, Table& table) const {
    if (v == nullptr || !v->is_object()) return;
    for (const auto& kv : v->as_object()) {
      const std::string model(kv.key());
      const json::object* o = kv.value().if_object();
      if (o == nullptr || !global_.count(model)) continue;
      const auto num = [&](const char* key) {
        const json::value* x = o->if_contains(key);
        return x && x->is_number() ? x->to_number<double>() : 0.0;
      };
      Belief& b = table[model];
      b.alpha = std::max(num("alpha"), 1e-6);
      b.beta = std::max(num("beta"), 1e-6);
      b.interactions = static_cast<int>(num("interactions"));
    }
  }
  void Load() {
    std::string error;
    const std::optional<std::string> text = ReadTextFile(settings_.storage_path, error);
    if (!text) return;  // first run: nothing saved yet
    std::error_code ec;
    const json::value doc = json::parse(*text, ec);
    if (ec || !doc.is_object()) {
      std::cerr << "WARNING - cannot read rl_driven state from " << settings_.storage_path
                << " (not valid JSON); starting from the configured priors\n";
      return;
    }
    const json::object& o = doc.as_object();
    ReadTable(o.if_contains("global"), global_);
    for (const char* key : {"categories", "users"}) {
      const json::value* tables = o.if_contains(key);
      if (tables == nullptr || !tables->is_object()) continue;
      auto& into = key[0] == 'c' ? categories_ : users_;
      for (const auto& kv : tables->as_object())
        ReadTable(&kv.value(), into[std::string(kv.key())]);
    }
    if (const json::value* ss = o.if_contains("sessions"); ss && ss->is_object()) {
      for (const auto& kv : ss->as_object()) {
        if (!kv.value().is_object()) continue;
        for (const auto& m : kv.value().as_object()) {
          const json::object* st = m.value().if_object();
          if (st == nullptr || !global_.count(std::string(m.key()))) continue;
          SessionStats& into = sessions_[std::string(kv.key())][std::string(m.key())];
          if (const json::value* x = st->if_contains("selections"); x && x->is_int64())
            into.selections = static_cast<int>(x->as_int64());
          if (const json::value* x = st->if_contains("successes"); x && x->is_int64())
            into.successes = static_cast<int>(x->as_int64());
        }
      }
    }
  }

  // Upstream's reading of a Router-R1 choice: certain, one score.
  SelectionResult FromRouterR1(const RouterR1Choice& choice) const {
    SelectionResult r;
    r.method = Method();
    r.ref = choice.ref;
    r.score = 1.0;
    r.confidence = 0.9;
    r.reasoning =
        "Router-R1 LLM Analysis:\n" + choice.thinking + "\n\nDecision: " + choice.ref->model;
    r.all_scores[choice.ref->model] = 1.0;
    return r;
  }

  Settings settings_;
  HttpPostFn post_;
  std::map<std::string, double> costs_;
  mutable std::mutex mu_;
  mutable std::mt19937_64 rng_;
  Table global_;
  std::map<std::string, Table> categories_;  // decision name -> beliefs
  std::map<std::string, Table> users_;
  std::map<std::string, std::map<std::string, SessionStats>> sessions_;
};

}  // namespace

bool RlDrivenAsksRouterR1(const config::Config& c) {
  return !SettingsOf(c).router_r1_url.empty();
}

std::unique_ptr<Selector> MakeRlDrivenSelector(const config::Config& c, const ModelFacts& facts,
                                               unsigned long long seed, HttpPostFn post) {
  return std::make_unique<RlDrivenSelector>(c, facts, seed, std::move(post));
}

}  // namespace vsr::selection
