// Advanced tool filtering on a hand-made pool whose right order is computed by hand: weights,
// lexical/name/tag/category scores, thresholds, allow/block lists and the category filter.
#include "plugins/tools_ranking.h"

#include <gtest/gtest.h>

namespace vsr::plugins {
namespace {

ToolEntry Tool(const std::string& name, const std::string& description, const std::string& category,
               std::vector<std::string> tags = {}) {
  ToolEntry t;
  t.name = name;
  t.description = description;
  t.category = category;
  t.tags = std::move(tags);
  return t;
}

class ToolsRanking : public ::testing::Test {
 protected:
  // The embedding prefers email (0.6) over weather (0.5); the question is about the weather.
  ToolRankingInput Input(std::string category = "") {
    ToolRankingInput in;
    in.query = "What's the weather in Paris?";
    in.candidates = {{&email_, 0.6}, {&weather_, 0.5}, {&stocks_, 0.2}};
    in.top_k = 3;
    in.category = std::move(category);
    return in;
  }
  static std::vector<std::string> Names(const std::vector<const ToolEntry*>& tools) {
    std::vector<std::string> out;
    for (const ToolEntry* t : tools) out.push_back(t->name);
    return out;
  }

  ToolEntry weather_ =
      Tool("weather", "Get the current weather for a city", "weather", {"Forecast"});
  ToolEntry email_ = Tool("send_email", "Send an email", "communication");
  ToolEntry stocks_ = Tool("stock_quote", "Latest price of a stock", "finance", {"paris bourse"});
};

TEST_F(ToolsRanking, WithoutWeightsTheEmbeddingAloneOrders) {
  config::AdvancedToolFiltering a;
  a.enabled = true;
  EXPECT_EQ(Names(RankTools(Input(), a)),
            (std::vector<std::string>{"send_email", "weather", "stock_quote"}));
}

TEST_F(ToolsRanking, LexicalAndNameMatchesLiftTheRightTool) {
  config::AdvancedToolFiltering a;
  a.enabled = true;
  a.weights.embed = 0.5;
  a.weights.lexical = 0.3;
  a.weights.name = 0.2;
  // Question words: what, s, the, weather, in, paris (6).
  // weather: (0.5*0.5 + 0.3*2/6 ["the", "weather"] + 0.2*1 [its whole name]) / 1.0 = 0.55
  // send_email: 0.5*0.6 = 0.30; stock_quote: 0.5*0.2 = 0.10 (its tag is not lexical).
  EXPECT_EQ(Names(RankTools(Input(), a)),
            (std::vector<std::string>{"weather", "send_email", "stock_quote"}));
  a.min_combined_score = 0.2;
  EXPECT_EQ(Names(RankTools(Input(), a)), (std::vector<std::string>{"weather", "send_email"}));
  a.min_combined_score.reset();
  a.min_lexical_overlap = 1;  // tools sharing no word with the question are out
  EXPECT_EQ(Names(RankTools(Input(), a)), (std::vector<std::string>{"weather"}));
  // Tags: stock_quote's "paris bourse" shares "paris": 1 of its 2 tag words.
  a.min_lexical_overlap.reset();
  a.weights = {};
  a.weights.tag = 1;
  EXPECT_EQ(Names(RankTools(Input(), a)).front(), "stock_quote");
}

TEST_F(ToolsRanking, ListsAndTheCategoryFilter) {
  config::AdvancedToolFiltering a;
  a.enabled = true;
  ToolRankingInput in = Input();
  in.allow = IntersectAllow({"WEATHER", "send_email"}, {"weather", "stock_quote"});
  EXPECT_EQ(Names(RankTools(in, a)), (std::vector<std::string>{"weather"}));
  in.allow = IntersectAllow({"weather"}, {"send_email"});  // disjoint: nothing allowed
  EXPECT_TRUE(RankTools(in, a).empty());
  EXPECT_FALSE(IntersectAllow({}, {}).has_value());
  in.allow.reset();
  in.block = UnionBlock({"Send_Email"}, {"send_email", "stock_quote"});
  EXPECT_EQ(in.block.size(), 2u);
  EXPECT_EQ(Names(RankTools(in, a)), (std::vector<std::string>{"weather"}));

  a.use_category_filter = true;
  EXPECT_EQ(Names(RankTools(Input("Communication"), a)), (std::vector<std::string>{"send_email"}));
  EXPECT_EQ(RankTools(Input("sports"), a).size(), 3u);  // no tool of that category: all stay
  // The category also scores, filter or not.
  a.use_category_filter.reset();
  a.weights.embed = 0.5;
  a.weights.category = 0.5;
  EXPECT_EQ(Names(RankTools(Input("weather"), a)).front(), "weather");
}

TEST(ToolsRankingPool, CandidatePoolSize) {
  config::AdvancedToolFiltering a;
  EXPECT_EQ(CandidatePoolSize(a, 3), 20u);  // max(5 x 3, 20)
  EXPECT_EQ(CandidatePoolSize(a, 6), 30u);
  a.candidate_pool_size = 0;
  EXPECT_EQ(CandidatePoolSize(a, 3), 3u);
  a.candidate_pool_size = 2;
  EXPECT_EQ(CandidatePoolSize(a, 3), 3u);  // never below top_k
  a.candidate_pool_size = 8;
  EXPECT_EQ(CandidatePoolSize(a, 3), 8u);
}

}  // namespace
}  // namespace vsr::plugins
