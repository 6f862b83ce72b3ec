#include "signals/keyword_words.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace vsr::signals {
namespace {

using Words = std::vector<std::string_view>;

TEST(KeywordWordsTest, WordsAreLetterDigitRunsAndStopWordsGoWhateverTheirCase) {
  EXPECT_EQ(SplitWords("The cat, THE dog; their 42nd them!", true),
            (Words{"cat", "dog", "42nd", "them"}));
  EXPECT_EQ(SplitWords("The cat", false), (Words{"The", "cat"}));
  EXPECT_EQ(SplitWords("über die Brücke", true), (Words{"über", "die", "Brücke"}));
  EXPECT_TRUE(SplitWords("", true).empty());
  EXPECT_TRUE(SplitWords(" ,;! ", true).empty());
  EXPECT_EQ(SplitWords("a", false), (Words{"a"}));
  EXPECT_TRUE(IsStopWord("THEIR"));
  EXPECT_FALSE(IsStopWord("theirs"));
  EXPECT_FALSE(IsStopWord("th"));
}

// ASCII text takes its own path: it must split exactly as the general one, which a trailing
// non-ASCII word forces. Random texts over letters, digits, punctuation and stop words,
// words at the very start and end, words longer than a stop word.
TEST(KeywordWordsTest, AsciiPathSplitsAsTheGeneralOne) {
  std::mt19937 rng(3);
  const std::vector<std::string> pieces = {"the", "The", "THEN",   "a",    "I",     "x",
                                           "cat", "4",   "abcdef", "into", "intox", " ",
                                           ",",   ".\n", "_",      "it's"};
  for (int round = 0; round < 300; ++round) {
    std::string text;
    for (int i = static_cast<int>(rng() % 30); i > 0; --i) text += pieces[rng() % pieces.size()];
    for (bool drop : {true, false}) {
      const std::string forced = text + " \xC3\xA9t\xC3\xA9";  // " été"
      Words general = SplitWords(forced, drop);
      ASSERT_FALSE(general.empty());
      general.pop_back();
      EXPECT_EQ(SplitWords(text, drop), general) << "'" << text << "' drop " << drop;
    }
  }
}

}  // namespace
}  // namespace vsr::signals
