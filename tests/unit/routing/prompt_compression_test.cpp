// Prompt compression: long prompts reach the signals as their most telling sentences within a
// token budget (upstream's TextRank + position + TF-IDF), cut first to max_evaluation_chars;
// skip_signals families still read the whole text, and the request itself never changes.
#include "routing/prompt_compression.h"

#include <gtest/gtest.h>

#include "routing/router.h"
#include "support/config_loader.h"

namespace vsr::routing {
namespace {

using Strings = std::vector<std::string>;

TEST(PromptCompression, CountsTokensLikeUpstream) {
  EXPECT_EQ(ApproxTokens(""), 0);
  EXPECT_EQ(ApproxTokens("hello world"), 2);               // 2 words x 1.3
  EXPECT_EQ(ApproxTokens("\u4f60\u597d\u4e16\u754c"), 6);  // 4 CJK characters x 1.5
  EXPECT_EQ(ApproxTokens("Python\u51fd\u6570"), 4);        // one word and two CJK characters
  EXPECT_EQ(ApproxTokens("a"), 1);                         // never 0 for some text
}

// PrepareSignalTexts skips the count for texts under max_tokens / 1.3 bytes: the densest texts
// (one-letter words, a letter and a CJK character per word, CJK only) stay within that bound.
TEST(PromptCompression, TokenCountNeverExceedsOnePointThreePerByte) {
  for (const std::string unit : {"a ", "a", "a\u51fd ", "\u51fd", "\u51fd ", "ab\u51fd\u6570 "}) {
    for (int n : {1, 2, 3, 7, 100, 1000}) {
      std::string text;
      for (int i = 0; i < n; ++i) text += unit;
      EXPECT_LE(ApproxTokens(text), static_cast<double>(text.size()) * 1.3 + 1)
          << n << " x '" << unit << "'";
    }
  }
}

TEST(PromptCompression, SplitsSentencesAcrossScriptsKeepingDecimalsAndInitials) {
  EXPECT_EQ(
      SplitSentences("  Pi is 3.14. J. Smith said hi! Really?! \u4f60\u597d\u3002\u518d\u89c1 "),
      (Strings{"Pi is 3.14.", "J. Smith said hi!", "Really?!", "\u4f60\u597d\u3002",
               "\u518d\u89c1"}));
  EXPECT_EQ(SplitSentences("no terminator"), (Strings{"no terminator"}));
  EXPECT_TRUE(SplitSentences("   ").empty());
}

TEST(PromptCompression, WordsAreLowerCasedAndCjkBecomesCharactersAndBigrams) {
  EXPECT_EQ(WordTokens("Hello, World! it's e-mail \u6570\u636e\u5e93"),
            (Strings{"hello", "world", "it's", "e-mail", "\u6570", "\u636e", "\u6570\u636e",
                     "\u5e93", "\u636e\u5e93"}));
}

std::string Filler(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    text += "Sentence number " + std::to_string(i) + " talks about cooking pasta. ";
  }
  return text;
}

TEST(PromptCompression, KeepsTheEdgesAndTheBestSentencesWithinTheBudgetInOrder) {
  config::PromptCompression pc;
  pc.enabled = true;
  pc.max_tokens = 60;
  const std::string text = Filler(30);
  const Compressed c = CompressPrompt(text, pc);
  EXPECT_GT(c.original_tokens, 60);
  EXPECT_LE(c.compressed_tokens, 60);
  EXPECT_EQ(ApproxTokens(c.text), c.compressed_tokens);
  ASSERT_GE(c.kept.size(), 5u);
  EXPECT_LT(c.kept.size(), 30u);
  // The first three and the last two sentences, and everything in its original order.
  EXPECT_EQ((std::vector<size_t>{c.kept[0], c.kept[1], c.kept[2]}), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(c.kept.back(), 29u);
  EXPECT_EQ(c.kept[c.kept.size() - 2], 28u);
  EXPECT_TRUE(std::is_sorted(c.kept.begin(), c.kept.end()));
  EXPECT_EQ(c.text.rfind("Sentence number 0 talks", 0), 0u);

  pc.max_tokens = 10000;  // fits: unchanged
  const Compressed same = CompressPrompt(text, pc);
  EXPECT_EQ(same.text, text);
  EXPECT_TRUE(same.kept.empty());
}

TEST(PromptCompression, TheConfiguredWeightsDecideBetweenPositionAndInformation) {
  // Twenty near-identical sentences and one about something else, with room for one more
  // sentence besides the edges. Upstream's default weights favour position (a sentence near
  // the end); weighting TF-IDF up picks the informative one from the middle.
  const std::string text =
      Filler(10) + "Quantum entanglement links distant particles instantly. " + Filler(10);
  config::PromptCompression pc;
  pc.enabled = true;
  pc.max_tokens = 54;  // the edges (5 x 9 tokens) and one 7-token sentence
  Compressed c = CompressPrompt(text, pc);
  EXPECT_EQ(c.kept.size(), 6u);
  EXPECT_EQ(c.text.find("Quantum entanglement"), std::string::npos) << c.text;
  pc.tfidf_weight = 0.7;
  pc.position_weight = 0.1;
  c = CompressPrompt(text, pc);
  EXPECT_NE(c.text.find("Quantum entanglement"), std::string::npos) << c.text;
}

TEST(PromptCompression, MaxEvaluationCharsCutsOnACharacterBoundaryBeforeAnything) {
  config::PromptCompression pc;
  pc.max_evaluation_chars = 3;
  const SignalTexts t = PrepareSignalTexts("\u00e9\u00e9\u00e9", pc);  // 6 bytes
  EXPECT_TRUE(t.cut);
  EXPECT_EQ(t.full, "\u00e9");
  EXPECT_EQ(t.Compressed(), t.full);
  EXPECT_FALSE(t.was_compressed);

  config::PromptCompression on;
  on.enabled = true;
  on.max_tokens = 40;
  on.min_length = 100000;  // shorter texts are left alone
  EXPECT_FALSE(PrepareSignalTexts(Filler(30), on).was_compressed);
  on.min_length = 0;
  const std::string text = Filler(30);  // `full` views the text: it must outlive the result
  const SignalTexts c = PrepareSignalTexts(text, on);
  EXPECT_TRUE(c.was_compressed);
  EXPECT_EQ(c.full, text);
  EXPECT_LT(c.Compressed().size(), c.full.size());
}

// A keyword only in a middle sentence: compression drops it for the families that read the
// compressed text, skip_signals families still see it.
std::shared_ptr<const config::Config> KeywordConfig(const std::string& skip) {
  return testing::ConfigFromText(R"(
version: v0.3
routing:
  signals:
    keywords:
      - {name: zebra, operator: OR, keywords: [zebra]}
  decisions:
    - name: zebra
      priority: 10
      rules: {operator: AND, conditions: [{type: keyword, name: zebra}]}
      modelRefs: [{model: m, use_reasoning: false}]
  modelCards: [{name: m}]
providers:
  models: [{name: m, backend_refs: [{name: b, endpoint: "127.0.0.1:9", protocol: http}]}]
global:
  model_catalog:
    modules:
      prompt_compression:
        enabled: true
        max_tokens: 40
        skip_signals: [)" + skip +
                                 R"(]
)");
}

TEST(PromptCompression, SkipSignalsFamiliesReadTheWholeText) {
  const std::string text = Filler(12) + "A zebra walked in. " + Filler(12);
  std::vector<std::string> errors;
  auto compressed = Router::Create(KeywordConfig("pii"), errors);
  auto skipped = Router::Create(KeywordConfig("keyword"), errors);
  ASSERT_TRUE(compressed && skipped);
  const request::Request req = request::FromText(text);
  EXPECT_EQ(compressed->Route(req).decision, nullptr);
  const RoutingResult whole = skipped->Route(req);
  ASSERT_NE(whole.decision, nullptr);
  EXPECT_EQ(whole.decision->name, "zebra");
  EXPECT_EQ(req.evaluation_text, text);  // the request is untouched
}

}  // namespace
}  // namespace vsr::routing
