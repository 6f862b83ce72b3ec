#include "common/aho_corasick.h"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <utility>

namespace vsr {
namespace {

using Hits = std::vector<std::pair<size_t, size_t>>;  // (needle, end offset)

Hits ScanAll(const AhoCorasick& ac, std::string_view text) {
  std::vector<AhoCorasick::Match> matches;
  ac.Scan(text, matches);
  Hits hits;
  for (const auto& m : matches) hits.emplace_back(m.needle, m.end);
  return hits;
}

// The definition: every (needle, end) where the needle ends at `end`, by end, then longer
// needles first, then by index.
Hits BruteForce(const std::vector<std::string>& needles, std::string_view text) {
  Hits hits;
  for (size_t end = 1; end <= text.size(); ++end) {
    const size_t first = hits.size();
    for (size_t n = 0; n < needles.size(); ++n) {
      const std::string& k = needles[n];
      if (!k.empty() && k.size() <= end && text.substr(end - k.size(), k.size()) == k)
        hits.emplace_back(n, end);
    }
    std::stable_sort(hits.begin() + static_cast<long>(first), hits.end(),
                     [&](const auto& a, const auto& b) {
                       return needles[a.first].size() > needles[b.first].size();
                     });
  }
  return hits;
}

TEST(AhoCorasickTest, ReportsOverlappingAndNestedOccurrences) {
  const std::vector<std::string> needles = {"he", "she", "his", "hers"};
  const AhoCorasick ac(needles);
  // "ushers": she ends at 4, he at 4 (inside she), hers at 6.
  EXPECT_EQ(ScanAll(ac, "ushers"), (Hits{{1, 4}, {0, 4}, {3, 6}}));
  EXPECT_TRUE(ac.ContainsAny("this"));
  EXPECT_FALSE(ac.ContainsAny("hi s"));
}

TEST(AhoCorasickTest, EmptyAndDuplicateNeedles) {
  EXPECT_TRUE(ScanAll(AhoCorasick(std::vector<std::string>{}), "anything").empty());
  EXPECT_TRUE(ScanAll(AhoCorasick({""}), "anything").empty());
  EXPECT_FALSE(AhoCorasick({""}).ContainsAny("anything"));
  // Both copies of a duplicate report, each with its own index.
  EXPECT_EQ(ScanAll(AhoCorasick({"ab", "", "ab"}), "xab"), (Hits{{0, 3}, {2, 3}}));
}

TEST(AhoCorasickTest, MultiByteUtf8AndEveryByteValue) {
  const std::vector<std::string> needles = {"\xEF\xBC\x9F", "?", "\xE5\x85\x88"};  // ？ ? 先
  EXPECT_EQ(ScanAll(AhoCorasick(needles), "a?b\xEF\xBC\x9F\xE5\x85\x88"),
            (Hits{{1, 2}, {0, 6}, {2, 9}}));
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const AhoCorasick every({all, std::string(1, '\0')});
  EXPECT_EQ(ScanAll(every, all + all), BruteForce({all, std::string(1, '\0')}, all + all));
}

TEST(AhoCorasickTest, MatchesBruteForceOnRandomTexts) {
  std::mt19937 rng(7);
  auto random_string = [&](size_t max_len, int alphabet) {
    std::string s(rng() % (max_len + 1), 'a');
    for (char& c : s) c = static_cast<char>('a' + static_cast<int>(rng() % alphabet));
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> needles;
    for (int i = 0; i < 1 + static_cast<int>(rng() % 8); ++i)
      needles.push_back(random_string(4, 3));
    const std::string text = random_string(60, 3);
    EXPECT_EQ(ScanAll(AhoCorasick(needles), text), BruteForce(needles, text)) << "round " << round;
  }
}

// Long texts are walked in several pieces side by side: occurrences across the cuts between
// pieces, at the very start and end, and long needles must all be found once, in order.
// (Needles start with three different bytes: with fewer, the scan searches for them instead.)
TEST(AhoCorasickTest, LongTextsMatchBruteForceAcrossPieceBoundaries) {
  std::mt19937 rng(11);
  for (int round = 0; round < 100; ++round) {
    std::vector<std::string> needles;
    for (char first : {'a', 'b', 'c'}) {
      std::string n(1 + rng() % (round % 10 == 0 ? 90 : 5), first);
      for (size_t i = 1; i < n.size(); ++i)
        n[i] = static_cast<char>('a' + static_cast<int>(rng() % 3));
      needles.push_back(n);
    }
    std::string text(256 + rng() % 1800, 'a');
    for (char& c : text) c = static_cast<char>('a' + static_cast<int>(rng() % 3));
    EXPECT_EQ(ScanAll(AhoCorasick(needles), text), BruteForce(needles, text)) << "round " << round;
  }
}

// Needles that start with one or two rare bytes are found by searching for those bytes.
TEST(AhoCorasickTest, RareStartBytesAreSearchedFor) {
  const std::vector<std::string> needles = {"?", "\xEF\xBC\x9F", "?\?!"};  // ?, ？ and ??!
  std::mt19937 rng(5);
  const std::vector<std::string> pieces = {"?", "\xEF\xBC\x9F", "\xEF", "!", "word ", "?\?!"};
  for (int round = 0; round < 50; ++round) {
    std::string text;
    while (text.size() < static_cast<size_t>(rng() % 3000)) text += pieces[rng() % pieces.size()];
    EXPECT_EQ(ScanAll(AhoCorasick(needles), text), BruteForce(needles, text)) << "round " << round;
  }
  EXPECT_TRUE(ScanAll(AhoCorasick(needles), std::string(5000, 'x')).empty());
}

// ASCII case-insensitive: a needle's letters match either case, whatever case the needle has;
// other bytes (digits, punctuation, UTF-8) only as they are. The same over long texts (pieces
// walked side by side) and with one rare start letter (searched for in both cases).
TEST(AhoCorasickTest, AsciiCaseInsensitiveMatchesEitherCase) {
  const AhoCorasick ac({"python", "C++", "\xC3\xA9t\xC3\xA9"}, /*ascii_case_insensitive=*/true);
  EXPECT_EQ(ScanAll(ac, "PyThOn c++ \xC3\xA9T\xC3\xA9 \xC3\x89t\xC3\xA9"),
            (Hits{{0, 6}, {1, 10}, {2, 16}}));  // "Été" is not "été": É is not ASCII
  EXPECT_TRUE(ScanAll(ac, "pyth0n c+").empty());
  std::mt19937 rng(17);
  const std::vector<std::string> needles = {"ab", "Ba", "cAb"};
  for (int round = 0; round < 60; ++round) {
    std::string text(rng() % 2000, 'a');
    for (char& c : text) c = "abcABC"[rng() % 6];
    std::string lowered = text;
    for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(ScanAll(AhoCorasick(needles, true), text), BruteForce({"ab", "ba", "cab"}, lowered))
        << "round " << round;
  }
  const AhoCorasick rare({"x!"}, true);
  EXPECT_EQ(ScanAll(rare, std::string(3000, '.') + "X! x! X?"), (Hits{{0, 3002}, {0, 3005}}));
}

// Without overlap: each needle's occurrences as repeated find() from the end of the last one
// gives them, in end order.
TEST(AhoCorasickTest, NonOverlappingIsRepeatedFindPerNeedle) {
  std::mt19937 rng(13);
  for (int round = 0; round < 100; ++round) {
    std::vector<std::string> needles;
    for (char first : {'a', 'b', 'c'}) {
      std::string n(1 + rng() % 4, first);
      for (size_t i = 1; i < n.size(); ++i)
        n[i] = static_cast<char>('a' + static_cast<int>(rng() % 3));
      needles.push_back(n);
    }
    if (round % 2 == 0) needles.resize(1);  // one start byte: the memchr path
    std::string text(rng() % 1500, 'a');
    for (char& c : text) c = static_cast<char>('a' + static_cast<int>(rng() % 3));
    Hits expected;
    for (size_t n = 0; n < needles.size(); ++n) {
      for (size_t at = text.find(needles[n]); at != std::string::npos;
           at = text.find(needles[n], at + needles[n].size()))
        expected.emplace_back(n, at + needles[n].size());
    }
    std::stable_sort(expected.begin(), expected.end(), [&](const auto& a, const auto& b) {
      if (a.second != b.second) return a.second < b.second;
      return needles[a.first].size() > needles[b.first].size();
    });
    std::vector<AhoCorasick::Match> matches = {{7, 7}};  // what was there before stays
    AhoCorasick(needles).ScanNonOverlapping(text, matches);
    ASSERT_FALSE(matches.empty());
    EXPECT_EQ(matches[0].needle, 7u);
    Hits got;
    for (size_t i = 1; i < matches.size(); ++i) got.emplace_back(matches[i].needle, matches[i].end);
    EXPECT_EQ(got, expected) << "round " << round;
  }
}

}  // namespace
}  // namespace vsr
