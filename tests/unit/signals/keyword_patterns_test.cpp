// Keyword patterns against their definition: the RE2 set of upstream's patterns ((?i) unless
// case-sensitive, \b next to word characters of literals). Pure-ASCII literals are found by
// automata instead of RE2, so random keywords and texts (cases, digits, '_', punctuation,
// UTF-8, and the two characters RE2's (?i) folds onto ASCII letters) must agree with RE2.
#include "signals/keyword_patterns.h"

#include <gtest/gtest.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cctype>
#include <random>

namespace vsr::signals {
namespace {

bool WordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The pattern upstream's classifier builds for a literal keyword (ASCII keywords here, and
// keywords with no word character get no boundary).
std::string Reference(const std::string& keyword, bool case_sensitive) {
  std::string p = RE2::QuoteMeta(keyword);
  bool any_word = false;
  for (char c : keyword) any_word = any_word || WordChar(c);
  if (any_word && WordChar(keyword.front())) p = "\\b" + p;
  if (any_word && WordChar(keyword.back())) p += "\\b";
  return case_sensitive ? p : "(?i)" + p;
}

std::vector<uint8_t> ReferenceHits(const std::vector<std::string>& patterns,
                                   const std::string& text) {
  RE2::Set set(RE2::Options(), RE2::UNANCHORED);
  for (const std::string& p : patterns) EXPECT_GE(set.Add(p, nullptr), 0) << p;
  EXPECT_TRUE(set.Compile());
  std::vector<int> found;
  set.Match(text, &found);
  std::vector<uint8_t> hit(patterns.size(), 0);
  for (int i : found) hit[static_cast<size_t>(i)] = 1;
  return hit;
}

TEST(KeywordPatterns, LiteralsMatchOnWordBoundariesInEitherCase) {
  KeywordPatterns p;
  std::string error;
  ASSERT_EQ(p.AddLiteral("python", false, error), 0);
  ASSERT_EQ(p.AddLiteral("C++", false, error), 1);
  ASSERT_EQ(p.AddLiteral("GPU", true, error), 2);
  ASSERT_EQ(p.AddLiteral("caf\xC3\xA9", false, error), 3);  // café: RE2's
  ASSERT_EQ(p.AddRegex("seg(fault|v)", false, error), 4);
  ASSERT_TRUE(p.Compile(error)) << error;
  std::vector<uint8_t> hit;
  p.Match("My PYTHON c++ code on a gpu, CAF\xC3\x89 SEGV", hit);
  EXPECT_EQ(hit, (std::vector<uint8_t>{1, 1, 0, 1, 1}));
  // No boundary after python or GPU; café ends in a non-ASCII letter, which gets no \b (RE2's
  // \b is ASCII), so "cafés" holds it.
  p.Match("pythonic c++x GPUs caf\xC3\xA9s", hit);
  EXPECT_EQ(hit, (std::vector<uint8_t>{0, 1, 0, 1, 0}));
  p.Match("_python_ GPU", hit);  // '_' is a word character
  EXPECT_EQ(hit, (std::vector<uint8_t>{0, 0, 1, 0, 0}));
  // RE2's (?i) folds KELVIN SIGN onto k and LONG S onto s inside a word: "de\u017Fk" is "desk"
  // and "tas\u212A" is not "task" (no \b after a non-ASCII character).
  KeywordPatterns q;
  ASSERT_EQ(q.AddLiteral("desk", false, error), 0);
  ASSERT_EQ(q.AddLiteral("task", false, error), 1);
  ASSERT_TRUE(q.Compile(error));
  q.Match("de\xC5\xBFk tas\xE2\x84\xAA", hit);
  EXPECT_EQ(hit, (std::vector<uint8_t>{1, 0}));
  KeywordPatterns bad;
  EXPECT_LT(bad.AddRegex("(unclosed", false, error), 0);
  EXPECT_NE(error.find("missing )"), std::string::npos) << error;
}

TEST(KeywordPatterns, AgreeWithRe2OnRandomKeywordsAndTexts) {
  std::mt19937 rng(23);
  const std::vector<std::string> atoms = {"a",        "B", "ab", "Ab", "1",        "_",
                                          "+",        " ", "-",  ".",  "\xC3\xA9", "\xE2\x84\xAA",
                                          "\xC5\xBF", "k", "S"};
  auto random_text = [&](size_t max_atoms) {
    std::string s;
    const size_t n = rng() % (max_atoms + 1);
    for (size_t i = 0; i < n; ++i) s += atoms[rng() % atoms.size()];
    return s;
  };
  for (int round = 0; round < 400; ++round) {
    KeywordPatterns p;
    std::vector<std::string> reference;
    std::string error;
    const int keywords = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < keywords; ++k) {
      std::string kw;
      while (kw.empty()) kw = random_text(3);
      const bool ascii = std::all_of(kw.begin(), kw.end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
      if (!ascii) continue;  // non-ASCII literals are RE2's own patterns anyway
      const bool case_sensitive = rng() % 3 == 0;
      ASSERT_EQ(p.AddLiteral(kw, case_sensitive, error), static_cast<int>(reference.size()));
      reference.push_back(Reference(kw, case_sensitive));
    }
    if (rng() % 4 == 0) {
      ASSERT_GE(p.AddRegex("a+b", false, error), 0);
      reference.push_back("(?i)a+b");
    }
    if (reference.empty()) continue;
    ASSERT_TRUE(p.Compile(error)) << error;
    for (int t = 0; t < 20; ++t) {
      const std::string text = random_text(40);
      std::vector<uint8_t> hit;
      p.Match(text, hit);
      ASSERT_EQ(hit, ReferenceHits(reference, text))
          << "round " << round << " text '" << text << "'";
    }
  }
}

}  // namespace
}  // namespace vsr::signals
