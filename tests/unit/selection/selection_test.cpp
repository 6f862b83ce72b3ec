// Selection with hand-built inputs whose right answer is known.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cmath>
#include <filesystem>

#include "common/files.h"
#include "selection/selectors.h"
#include "support/config_loader.h"
#include "unit/selection/selection_inputs.h"

namespace vsr::selection {
namespace {

using testing::Pair;
using testing::Query;

std::shared_ptr<const config::Config> Config(const std::string& algorithm) {
  return testing::ConfigFromText(R"(
version: v0.3
listeners: [{name: l, address: 127.0.0.1, port: 8899}]
providers:
  defaults: {default_model: a}
  models:
    - {name: a, backend_refs: [{name: b, endpoint: "127.0.0.1:1"}]}
    - {name: b, backend_refs: [{name: b, endpoint: "127.0.0.1:2"}]}
    - {name: c, backend_refs: [{name: b, endpoint: "127.0.0.1:3"}]}
routing:
  modelCards: [{name: a}, {name: b}, {name: c}]
  signals:
    domains:
      - name: math
        mmlu_categories: [math]
        model_scores: [{model: a, score: 0.2}, {model: c, score: 0.9}]
  decisions:
    - name: math
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: a, use_reasoning: false}, {model: b, use_reasoning: false}, {model: c, use_reasoning: false}]
)" + algorithm);
}

const config::Decision& MathDecision(const std::shared_ptr<const config::Config>& c) {
  return c->routing.decisions.front();
}

TEST(StaticSelectionTest, ConfiguredScoresPickTheBestElseTheFirstCandidate) {
  auto c = Config("");
  auto set = SelectorSet::Build(*c);
  const SelectionResult r = set->Select(MathDecision(c), Query("q"));
  EXPECT_EQ(r.ref->model, "c");  // domain 'math' scores c highest
  EXPECT_EQ(r.method, "static");
  config::Decision other = MathDecision(c);
  other.name = "unscored";
  EXPECT_EQ(set->Select(other, Query("q")).ref->model, "a");
}

TEST(EloSelectionTest, FeedbackMovesRatingsByTheEloFormula) {
  auto c = Config(R"(
      algorithm:
        type: elo
        elo: {initial_rating: 1500, k_factor: 32, category_weighted: false, min_comparisons: 2}
)");
  auto set = SelectorSet::Build(*c);
  ASSERT_NE(set->elo(), nullptr);
  // Equal ratings: expected 0.5, so the winner gains K/2 = 16.
  std::string error;
  ASSERT_TRUE(set->elo()->UpdateFeedback(Pair("b", "a", false, "math"), error)) << error;
  auto board = set->elo()->Leaderboard("");
  ASSERT_GE(board.size(), 2u);
  EXPECT_EQ(board[0].model, "b");
  EXPECT_DOUBLE_EQ(board[0].rating, 1516);
  EXPECT_EQ(board.back().model, "a");
  EXPECT_DOUBLE_EQ(board.back().rating, 1484);
  // A second win from 1516 vs 1484: expected = 1/(1+10^(-32/400)).
  ASSERT_TRUE(set->elo()->UpdateFeedback(Pair("b", "a", false, ""), error));
  const double expected = 1.0 / (1.0 + std::pow(10.0, -32.0 / 400.0));
  EXPECT_NEAR(set->elo()->Leaderboard("")[0].rating, 1516 + 32 * (1 - expected), 1e-9);

  const SelectionResult r = set->Select(MathDecision(c), Query("q"));
  EXPECT_EQ(r.method, "elo");
  EXPECT_EQ(r.ref->model, "b");
  EXPECT_DOUBLE_EQ(r.confidence, 1.0);  // two comparisons >= min_comparisons
  double total = 0;
  for (const auto& [model, p] : r.all_scores) total += p;
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(EloSelectionTest, CategoryRatingsAreSeededFromModelScoresAndTiesShareTheDelta) {
  auto c = Config(R"(
      algorithm:
        type: elo
        elo: {category_weighted: true}
)");
  auto set = SelectorSet::Build(*c);
  // Seeds: a = 1000 + 0.2*1000 = 1200, c = 1900 for decision 'math'.
  EXPECT_EQ(set->Select(MathDecision(c), Query("q")).ref->model, "c");
  const auto board = set->elo()->Leaderboard("math");
  ASSERT_EQ(board.size(), 2u);
  EXPECT_DOUBLE_EQ(board[0].rating, 1900);
  std::string error;
  ASSERT_TRUE(set->elo()->UpdateFeedback(Pair("a", "c", true, "math"), error));
  const auto after = set->elo()->Leaderboard("math");
  EXPECT_LT(after[0].rating, 1900);  // a tie against a much weaker model costs c points
  EXPECT_EQ(after[0].ties, 1);
  EXPECT_FALSE(set->elo()->UpdateFeedback(Pair("", "", false, ""), error));
  EXPECT_EQ(error, "either winner_model or loser_model is required");
}

TEST(SelectionFallbackTest, UnimplementedAlgorithmsFallBackToStaticAndSayIt) {
  auto c = Config(R"(
      algorithm:
        type: thompson
)");
  auto set = SelectorSet::Build(*c);
  const SelectionResult r = set->Select(MathDecision(c), Query("q"));
  EXPECT_EQ(r.method, "static");
  EXPECT_EQ(set->elo(), nullptr);
}

}  // namespace
}  // namespace vsr::selection

namespace vsr::selection {
namespace {

TEST(LatencyAwareSelectionTest, LowestRelativeLatencyWinsAndNoStatsFallsBack) {
  auto c = Config(R"(
      algorithm:
        type: latency_aware
        latency_aware: {tpot_percentile: 50, ttft_percentile: 90}
)");
  auto set = SelectorSet::Build(*c);
  const config::Decision& d = MathDecision(c);
  EXPECT_EQ(set->Select(d, Query("q")).method, "static");  // no samples yet
  for (int i = 1; i <= 10; ++i) {
    set->latency().RecordTpot("a", 0.05);
    set->latency().RecordTtft("a", 0.1 * i);  // p90 = 0.9
    set->latency().RecordTpot("b", 0.02);
    set->latency().RecordTtft("b", 0.3);
    set->latency().RecordTpot("c", 0.02);  // c has no TTFT samples: not a candidate
  }
  const SelectionResult r = set->Select(d, Query("q"));
  EXPECT_EQ(r.method, "latency_aware");
  EXPECT_EQ(r.ref->model, "b");
  EXPECT_DOUBLE_EQ(r.all_scores.at("b"), 1.0);
  EXPECT_DOUBLE_EQ(r.all_scores.at("a"), (0.05 / 0.02 + 0.9 / 0.3) / 2);
  EXPECT_EQ(r.all_scores.count("c"), 0u);
  EXPECT_NEAR(r.confidence, (r.all_scores.at("a") - 1.0) / r.all_scores.at("a"), 1e-12);
}

TEST(LatencyStatsTest, NearestRankPercentilesOverARecentWindow) {
  LatencyStats stats(4);
  for (double v : {9.0, 1.0, 2.0, 3.0, 4.0}) stats.RecordTtft("m", v);  // 9.0 falls out
  EXPECT_EQ(stats.TtftPercentile("m", 50), 2.0);
  EXPECT_EQ(stats.TtftPercentile("m", 100), 4.0);
  EXPECT_EQ(stats.TtftPercentile("other", 50), std::nullopt);
}

}  // namespace
}  // namespace vsr::selection

namespace vsr::selection {
namespace {

TEST(EloSelectionTest, RatingsPersistToStoragePathAndSurviveARestart) {
  const auto dir = std::filesystem::temp_directory_path() / ("vsr-elo-" + std::to_string(getpid()));
  const std::string path = (dir / "state/elo.json").string();
  auto c = Config(R"(
      algorithm:
        type: elo
        elo: {category_weighted: true, storage_path: )" +
                  path + R"(}
)");
  std::string error;
  {
    auto set = SelectorSet::Build(*c);
    ASSERT_TRUE(set->elo()->UpdateFeedback(Pair("b", "a", false, "math"), error)) << error;
  }
  const auto text = ReadTextFile(path, error);
  ASSERT_TRUE(text) << error;
  const auto doc = boost::json::parse(*text);
  EXPECT_EQ(doc.at("version"), 1);
  EXPECT_EQ(doc.at("global_ratings").at("b").at("wins"), 1);
  EXPECT_DOUBLE_EQ(doc.at("global_ratings").at("b").at("rating").to_number<double>(), 1516);
  EXPECT_TRUE(doc.at("category_ratings").as_object().contains("math"));

  auto restarted = SelectorSet::Build(*c);  // a new router process reading the same file
  const auto board = restarted->elo()->Leaderboard("");
  ASSERT_FALSE(board.empty());
  EXPECT_EQ(board[0].model, "b");
  EXPECT_DOUBLE_EQ(board[0].rating, 1516);
  EXPECT_EQ(board[0].wins, 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vsr::selection
