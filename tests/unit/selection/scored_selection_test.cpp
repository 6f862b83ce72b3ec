// router_dc, automix, hybrid and rl_driven with hand-built models whose right answer is known:
// a fake embedding model that places texts by keyword, priced and scored model cards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>

#include "common/files.h"
#include "selection/selectors.h"
#include "support/config_loader.h"
#include "unit/selection/selection_inputs.h"

namespace vsr::selection {
namespace {

using testing::KeywordEmbedding;
using testing::Pair;
using testing::Query;

std::shared_ptr<const config::Config> Config(const std::string& algorithm,
                                             const std::string& global = "") {
  return testing::ConfigFromText(R"(
version: v0.3
listeners: [{name: l, address: 127.0.0.1, port: 8899}]
providers:
  defaults: {default_model: a}
  models:
    - {name: a, pricing: {prompt_per_1m: 8}, backend_refs: [{name: b, endpoint: "127.0.0.1:1"}]}
    - {name: b, pricing: {prompt_per_1m: 0.5}, backend_refs: [{name: b, endpoint: "127.0.0.1:2"}]}
    - {name: c, pricing: {prompt_per_1m: 2}, backend_refs: [{name: b, endpoint: "127.0.0.1:3"}]}
routing:
  modelCards:
    - {name: a, description: "math and calculus", quality_score: 0.9}
    - {name: b, description: "writes code", quality_score: 0.85}
    - {name: c, capabilities: [poem, essays], quality_score: 0.95}
  signals:
    domains:
      - name: math
        mmlu_categories: [math]
        model_scores: [{model: a, score: 0.2}, {model: c, score: 0.9}]
  decisions:
    - name: math
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: a, use_reasoning: false}, {model: b, use_reasoning: false}, {model: c, use_reasoning: false}]
)" + algorithm + global);
}

const char kRouterDc[] = R"(
      algorithm:
        type: router_dc
        router_dc: {temperature: 0.07, use_capabilities: true}
)";

TEST(RouterDcSelectionTest, TheModelWhoseDescriptionIsNearestTheQueryWins) {
  auto c = Config(kRouterDc);
  auto set = SelectorSet::Build(*c, KeywordEmbedding);
  const config::Decision& d = c->routing.decisions.front();
  SelectionResult r = set->Select(d, Query("solve this math exercise"));
  EXPECT_EQ(r.method, "router_dc");
  EXPECT_EQ(r.ref->model, "a");
  // cos 1 -> sigmoid(1 / 0.07) > 0.9, reported as 0.95; the softmax puts nearly all on a.
  EXPECT_DOUBLE_EQ(r.confidence, 0.95);
  EXPECT_GT(r.all_scores["a"], 0.99);
  EXPECT_NEAR(r.all_scores["a"] + r.all_scores["b"] + r.all_scores["c"], 1.0, 1e-9);
  EXPECT_EQ(set->Select(d, Query("review my code")).ref->model, "b");
  // c has no description: its capabilities ("Model: c. Capabilities: poem, essays") stand in.
  EXPECT_EQ(set->Select(d, Query("a poem about the sea")).ref->model, "c");
}

TEST(RouterDcSelectionTest, BelowMinSimilarityOrWithoutAModelTheFirstCandidateIsChosen) {
  auto c = Config(R"(
      algorithm:
        type: router_dc
        router_dc: {temperature: 0.07}
)",
                  R"(
global:
  router:
    model_selection:
      router_dc: {min_similarity: 0.7}
)");
  const config::Decision& d = c->routing.decisions.front();
  // A query near no description: sigmoid(0) = 0.5 < 0.7.
  auto set = SelectorSet::Build(*c, KeywordEmbedding);
  SelectionResult r = set->Select(d, Query("what is the weather"));
  EXPECT_EQ(r.ref->model, "a");
  EXPECT_EQ(r.reasoning, "Default candidate selection: no model above similarity threshold");
  EXPECT_DOUBLE_EQ(r.all_scores["b"], 1.0 / 3);
  // No embedding model at all.
  auto blind = SelectorSet::Build(*c);
  r = blind->Select(d, Query("review my code"));
  EXPECT_EQ(r.method, "router_dc");
  EXPECT_EQ(r.ref->model, "a");
  EXPECT_EQ(r.reasoning, "Default candidate selection: no embedding function available");
}

TEST(AutoMixSelectionTest, CostAwareRoutingTradesQualityForPriceAndQualityOnlyDoesNot) {
  // value = quality - price / 10 * 0.3: a 0.66, b 0.835, c 0.89. Cost-aware then divides by
  // 1 + price * 0.3 (the tradeoff is also the request's cost weight): a 0.22, b 0.73, c 0.56.
  auto aware = Config(R"(
      algorithm:
        type: automix
        automix: {cost_aware_routing: true, cost_quality_tradeoff: 0.3, verification_threshold: 0.7}
)");
  auto set = SelectorSet::Build(*aware);
  SelectionResult r = set->Select(aware->routing.decisions.front(), Query("q"));
  EXPECT_EQ(r.method, "automix");
  EXPECT_EQ(r.ref->model, "b");
  EXPECT_NEAR(r.score, 0.835 / 1.15 * 1.1, 1e-9);
  EXPECT_NEAR(r.all_scores["c"], 0.95 - 0.2 * 0.3, 1e-9);
  EXPECT_DOUBLE_EQ(r.confidence, 0.7);

  auto quality = Config(R"(
      algorithm:
        type: automix
        automix: {cost_quality_tradeoff: 0.3}
)");
  set = SelectorSet::Build(*quality);
  r = set->Select(quality->routing.decisions.front(), Query("q"));
  EXPECT_EQ(r.ref->model, "c");  // highest quality_score, price ignored
  EXPECT_DOUBLE_EQ(r.score, 0.95);
}

std::string HybridWeights(double dc, double am) {
  return R"(
      algorithm:
        type: hybrid
        hybrid: {elo_weight: 0, router_dc_weight: )" +
         std::to_string(dc) + ", automix_weight: " + std::to_string(am) + R"(, cost_weight: 0}
)";
}

const char kAutoMixGlobal[] = R"(
global:
  router:
    model_selection:
      automix: {cost_aware_routing: true, cost_quality_tradeoff: 0.3, verification_threshold: 0.7}
)";

TEST(HybridSelectionTest, BlendsTheNormalizedComponentScoresByWeight) {
  // For "math": router_dc normalizes to a 1, b 0, c 0; automix's values (0.66, 0.835, 0.89)
  // normalize to a 0, b 0.761, c 1. Weights renormalize over the two components.
  auto dc_heavy = Config(HybridWeights(0.3, 0.2), kAutoMixGlobal);
  auto set = SelectorSet::Build(*dc_heavy, KeywordEmbedding);
  SelectionResult r = set->Select(dc_heavy->routing.decisions.front(), Query("math"));
  EXPECT_EQ(r.method, "hybrid");
  EXPECT_EQ(r.ref->model, "a");
  EXPECT_NEAR(r.all_scores["a"], 0.6, 1e-3);
  EXPECT_NEAR(r.all_scores["c"], 0.4, 1e-3);
  EXPECT_NE(r.reasoning.find("Hybrid combination: [RouterDC=1.000 AutoMix=0.000]"),
            std::string::npos)
      << r.reasoning;
  EXPECT_NEAR(r.confidence, (0.5 + (0.95 + 0.7) / 2) / 2, 1e-9);  // router_dc agrees

  auto am_heavy = Config(HybridWeights(0.1, 0.4), kAutoMixGlobal);
  set = SelectorSet::Build(*am_heavy, KeywordEmbedding);
  r = set->Select(am_heavy->routing.decisions.front(), Query("math"));
  EXPECT_EQ(r.ref->model, "c");
  EXPECT_NEAR(r.all_scores["c"], 0.8, 1e-3);
  EXPECT_NEAR(r.all_scores["b"], 0.8 * (0.835 - 0.66) / (0.89 - 0.66), 1e-3);
  // Neither component chose c (router_dc: a at 0.95, automix: b at 0.7): confidence is the
  // mean of their agreement (0) and their average confidence.
  EXPECT_NEAR(r.confidence, (0.0 + (0.95 + 0.7) / 2) / 2, 1e-9);
}

TEST(HybridSelectionTest, CheaperModelsGetTheCostBonus) {
  // automix alone, raw values (a 0.66, b 0.835, c 0.89), cost weight 1 (also the request's):
  // the cheapest (b, price 0.5) is multiplied by 2, c (price 2) by 1 + (1 - 1.5 / 7.5) = 1.8,
  // the dearest (a) by 1 — enough to lift b over c.
  auto c = Config(R"(
      algorithm:
        type: hybrid
        hybrid: {elo_weight: 0, router_dc_weight: 0, automix_weight: 1, cost_weight: 1}
)",
                  R"(
global:
  router:
    model_selection:
      automix: {cost_aware_routing: true, cost_quality_tradeoff: 0.3, verification_threshold: 0.7}
      hybrid: {normalize_scores: false}
)");
  auto set = SelectorSet::Build(*c, KeywordEmbedding);
  SelectionResult r = set->Select(c->routing.decisions.front(), Query("q"));
  EXPECT_EQ(r.ref->model, "b");
  EXPECT_NEAR(r.all_scores["b"], 0.835 * 2.0, 1e-9);
  EXPECT_NEAR(r.all_scores["c"], 0.89 * 1.8, 1e-9);
  EXPECT_NEAR(r.all_scores["a"], 0.66, 1e-9);
}

TEST(RlDrivenSelectionTest, ThompsonSamplingFollowsTheFeedback) {
  auto c = Config(R"(
      algorithm:
        type: rl_driven
        rl_driven: {exploration_rate: 0.15, use_thompson_sampling: true}
)");
  auto set = SelectorSet::Build(*c);
  int configured = 0;
  std::string errors;
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(set->UpdateFeedback(Pair("b", "a"), configured, errors), 1) << errors;
    ASSERT_EQ(set->UpdateFeedback(Pair("b", "c"), configured, errors), 1) << errors;
  }
  EXPECT_EQ(configured, 1);
  int b = 0;
  for (int i = 0; i < 100; ++i) {
    const SelectionResult r = set->Select(c->routing.decisions.front(), Query("q"));
    EXPECT_EQ(r.method, "rl_driven");
    b += r.ref->model == "b";
  }
  // b's belief is Beta(81, 1); a's and c's (blended with the decision's prior) sit far below.
  EXPECT_GE(b, 95);
}

TEST(RlDrivenSelectionTest, AUsersOwnFeedbackPersonalizesTheirSelection) {
  auto c = Config(R"(
      algorithm:
        type: rl_driven
)");
  config::Decision other = c->routing.decisions.front();  // no domain prior
  other.name = "general";
  other.model_refs.pop_back();  // a and b only
  auto set = SelectorSet::Build(*c);
  int configured = 0;
  std::string errors;
  for (int i = 0; i < 30; ++i) {
    set->UpdateFeedback(Pair("b", "a"), configured, errors);                   // everyone: b
    set->UpdateFeedback(Pair("a", "b", false, "", "u1"), configured, errors);  // u1: a
  }
  // Globally a and b are even (31, 31); u1's own beliefs weigh 0.7: a ~ Beta(31, 10).
  int a_for_u1 = 0;
  for (int i = 0; i < 100; ++i) a_for_u1 += set->Select(other, Query("q", "u1")).ref->model == "a";
  EXPECT_GE(a_for_u1, 90);
  const SelectionResult r = set->Select(other, Query("q", "u1"));
  EXPECT_NE(r.reasoning.find("personalized for user=u1"), std::string::npos) << r.reasoning;
  // Feedback naming an unknown model is refused, not remembered.
  EXPECT_EQ(set->UpdateFeedback(Pair("nope", "a"), configured, errors), 0);
  EXPECT_NE(errors.find("model 'nope' is not configured"), std::string::npos) << errors;
}

// Router-R1: the server named in the decision is asked first, as upstream asks it; its choice
// must be a candidate (a name containing one counts); when it fails, Thompson sampling chooses
// and says why, or with llm_routing_fallback: error the decision falls back to static.
TEST(RlDrivenSelectionTest, RouterR1ServerChoosesFirst) {
  const auto config_with = [](const std::string& fallback) {
    return Config(R"(
      algorithm:
        type: rl_driven
        rl_driven: {enable_llm_routing: true, router_r1_server_url: "http://r1.local:8093/")" +
                  fallback + "}\n");
  };
  std::string answer = R"({"selected_model": "c", "thinking": "poems need c"})";
  bool fail = false;
  std::vector<std::pair<std::string, std::string>> calls;
  const HttpPostFn post = [&](const std::string& url, const std::string& body,
                              std::chrono::milliseconds timeout,
                              std::string& error) -> std::optional<std::string> {
    calls.emplace_back(url, body);
    EXPECT_EQ(timeout, std::chrono::seconds(30));
    if (fail) {
      error = "connection refused";
      return std::nullopt;
    }
    return answer;
  };
  auto c = config_with("");
  auto set = SelectorSet::Build(*c, {}, nullptr, post);
  const config::Decision& d = c->routing.decisions.front();
  SelectionResult r = set->Select(d, Query("write a poem"));
  EXPECT_EQ(r.method, "rl_driven");
  EXPECT_EQ(r.ref->model, "c");
  EXPECT_DOUBLE_EQ(r.confidence, 0.9);
  EXPECT_EQ(r.reasoning, "Router-R1 LLM Analysis:\npoems need c\n\nDecision: c");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, "http://r1.local:8093/route");
  EXPECT_EQ(boost::json::parse(calls[0].second).at("query"),
            "Task: math\nAvailable models: a, b, c");

  answer = R"({"selected_model": "model-b-v2"})";  // contains a candidate's name
  EXPECT_EQ(set->Select(d, Query("q")).ref->model, "b");

  answer = R"({"selected_model": "gpt-9"})";  // no candidate: Thompson sampling, saying why
  r = set->Select(d, Query("q"));
  EXPECT_EQ(r.method, "rl_driven");
  EXPECT_EQ(r.reasoning.rfind("Router-R1 selected invalid model: gpt-9 (not in candidates); "
                              "RL-driven: [Thompson Sampling",
                              0),
            0u)
      << r.reasoning;
  fail = true;
  r = set->Select(d, Query("q"));
  EXPECT_EQ(r.reasoning.rfind("Router-R1 routing failed: connection refused; RL-driven", 0), 0u)
      << r.reasoning;

  auto strict = config_with(", llm_routing_fallback: error");
  auto strict_set = SelectorSet::Build(*strict, {}, nullptr, post);
  EXPECT_EQ(strict_set->Select(strict->routing.decisions.front(), Query("q")).method, "static");
  // Without an HTTP client (a library user's router): Thompson sampling, saying so.
  EXPECT_NE(SelectorSet::Build(*c)->Select(d, Query("q")).reasoning.find("no HTTP client"),
            std::string::npos);
  EXPECT_TRUE(SelectorSet::CallsServers(*c));
}

TEST(RlDrivenSelectionTest, BeliefsPersistToStoragePathAndSurviveARestart) {
  const std::string path =
      ::testing::TempDir() + "/rl-state-" + std::to_string(::getpid()) + ".json";
  std::filesystem::remove(path);
  auto c = Config(R"(
      algorithm:
        type: rl_driven
        rl_driven: {storage_path: ")" +
                  path + R"(", session_context_weight: 0.2}
)");
  config::Decision two = c->routing.decisions.front();
  two.name = "general";
  two.model_refs.pop_back();  // a and b
  int configured = 0;
  std::string errors;
  {
    auto set = SelectorSet::Build(*c);
    for (int i = 0; i < 40; ++i)
      ASSERT_EQ(set->UpdateFeedback(Pair("a", "b", false, "", "u1"), configured, errors), 1)
          << errors;
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  auto restarted = SelectorSet::Build(*c);
  int a = 0;
  for (int i = 0; i < 50; ++i) a += restarted->Select(two, Query("q", "u1")).ref->model == "a";
  EXPECT_GE(a, 48);  // Beta(41, 1) against Beta(1, 41), as before the restart
  std::filesystem::remove(path);
}

TEST(GmtRouterSelectionTest, AUserWithEnoughHistoryGetsTheirPreferredModel) {
  auto c = Config(R"(
      algorithm:
        type: gmtrouter
        gmtrouter: {enable_personalization: true, min_interactions_for_personalization: 3}
)");
  auto set = SelectorSet::Build(*c);
  const config::Decision& d = c->routing.decisions.front();
  // Cold start: the highest quality_score.
  SelectionResult r = set->Select(d, Query("q", "u1"));
  EXPECT_EQ(r.method, "gmtrouter");
  EXPECT_EQ(r.ref->model, "c");
  EXPECT_EQ(r.reasoning, "GMTRouter cold-start selection (need 3 more interactions)");
  int configured = 0;
  std::string errors;
  // Two wins of b over c: four interactions for u1 (b rated 1, c rated 0).
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(set->UpdateFeedback(Pair("b", "c", false, "", "u1"), configured, errors), 1);
  r = set->Select(d, Query("q", "u1"));
  EXPECT_EQ(r.ref->model, "b");
  // (Recency weighting runs on the wall clock: a second passing between the two feedbacks
  // weighs the first by 0.999999, hence the tolerance.)
  EXPECT_NEAR(r.all_scores["b"], 0.3 * 0.85 + 0.7 * 1.0, 1e-5);
  EXPECT_NEAR(r.all_scores["c"], 0.3 * 0.95, 1e-9);  // preference 0
  EXPECT_NEAR(r.all_scores["a"], 0.9 * 0.9, 1e-9);   // no history with a: base x 0.9
  EXPECT_NEAR(r.confidence, 0.5 + (0.955 - 0.81) * 0.5, 1e-5);
  // Someone else is still a cold start.
  EXPECT_EQ(set->Select(d, Query("q", "u2")).ref->model, "c");
}

TEST(GmtRouterSelectionTest, HistoriesPersistToStoragePathAndSurviveARestart) {
  const std::string path =
      ::testing::TempDir() + "/gmt-state-" + std::to_string(::getpid()) + ".json";
  std::filesystem::remove(path);
  auto c = Config(R"(
      algorithm:
        type: gmtrouter
        gmtrouter: {enable_personalization: true, min_interactions_for_personalization: 3,
                    storage_path: ")" +
                  path + R"("}
)");
  const config::Decision& d = c->routing.decisions.front();
  int configured = 0;
  std::string errors;
  {
    auto set = SelectorSet::Build(*c);
    for (int i = 0; i < 2; ++i)
      ASSERT_EQ(set->UpdateFeedback(Pair("b", "c", false, "", "u1"), configured, errors), 1)
          << errors;
  }
  // Upstream's file format: users keyed by id, each with its interaction records.
  std::string error;
  const boost::json::value saved = boost::json::parse(*ReadTextFile(path, error));
  const boost::json::object& u1 = saved.at("u1").as_object();
  EXPECT_EQ(u1.at("total_interactions"), 4);
  EXPECT_EQ(u1.at("interactions").as_array().size(), 4u);
  EXPECT_EQ(u1.at("interactions").at(0).at("llm_model"), "b");
  EXPECT_EQ(u1.at("interactions").at(0).at("rating").to_number<double>(), 1.0);
  EXPECT_EQ(u1.at("interactions").at(1).at("rating").to_number<double>(), 0.0);  // the loser
  EXPECT_EQ(u1.at("model_preferences").at("c").to_number<double>(), 0.0);

  auto restarted = SelectorSet::Build(*c);
  const SelectionResult r = restarted->Select(d, Query("q", "u1"));
  EXPECT_EQ(r.ref->model, "b");  // not the cold-start c
  EXPECT_EQ(r.reasoning, "GMTRouter personalized selection for user u1 (4 interactions)");

  // A file that is not JSON: a warning, and every user starts cold.
  ASSERT_TRUE(WriteFileAtomically(path, "{broken", error));
  EXPECT_EQ(SelectorSet::Build(*c)->Select(d, Query("q", "u1")).ref->model, "c");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace vsr::selection
