#include "common/strings.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "common/rfc3339.h"
#include "common/utf8.h"

namespace vsr {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsSubstitutionsAndTranspositions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("threshold", "threshlod"), 1u);  // adjacent swap is one edit
}

TEST(ClosestMatchTest, SuggestsPlausibleTyposOnly) {
  const std::vector<std::string> keys = {"similarity_threshold", "ttl_seconds", "enabled"};
  EXPECT_EQ(ClosestMatch("similarity_treshold", keys), "similarity_threshold");
  EXPECT_EQ(ClosestMatch("enabeld", keys), "enabled");
  EXPECT_EQ(ClosestMatch("ENABLED", keys), "enabled");
  EXPECT_EQ(ClosestMatch("completely_different", keys), std::nullopt);
  EXPECT_EQ(ClosestMatch("x", keys), std::nullopt);
}

TEST(StringsTest, FindBytesIsFindWithAStart) {
  const std::string_view text = "abcabc";
  EXPECT_EQ(FindBytes(text, "bc"), 1u);
  EXPECT_EQ(FindBytes(text, "bc", 2), 4u);
  EXPECT_EQ(FindBytes(text, "bc", 5), std::string_view::npos);
  EXPECT_EQ(FindBytes(text, "abcabcd"), std::string_view::npos);
  EXPECT_EQ(FindBytes(text, "", 3), 3u);
  EXPECT_EQ(FindBytes(text, "a", 7), std::string_view::npos);
  EXPECT_EQ(FindBytes(std::string_view("a\0b", 3), std::string_view("\0b", 2)), 1u);
}

TEST(StringsTest, FormatFixedPrintsWhatPrintfPrints) {
  const double values[] = {0,     -0.0,   0.5,         2.675, 1.0 / 3, -1234.56789, 1e-9,
                           0.999, 0.9999, 123456789.0, 1e300, -1e300,  5e-324};
  for (double v : values) {
    for (int places : {0, 1, 2, 4, 6}) {
      char expected[400];
      std::snprintf(expected, sizeof expected, "%.*f", places, v);
      EXPECT_EQ(FormatFixed(v, places), expected) << v << " " << places;
    }
  }
  EXPECT_EQ(FormatFixed(0.75, 4), "0.7500");
}

TEST(StringsTest, TrimAndCase) {
  EXPECT_EQ(Trim("  a b \n"), "a b");
  EXPECT_TRUE(IEquals("AnD", "and"));
  EXPECT_TRUE(IEquals("", ""));
  EXPECT_FALSE(IEquals("and", "ands"));
  EXPECT_FALSE(IEquals("a[", "A{"));  // only letters fold
  EXPECT_EQ(QuotedList(std::vector<std::string>{"a", "b"}), "'a', 'b'");
}

}  // namespace
}  // namespace vsr

// Unicode White_Space (checked once against ICU's u_isUWhiteSpace over every code point):
// sentence splitting and GPT-2's split both rely on it.
TEST(Utf8Test, WhiteSpaceIsUnicodesProperty) {
  for (char32_t c : {U' ', U'\t', U'\n', U'\r', U'\v', U'\f', U'\u0085', U'\u00a0', U'\u1680',
                     U'\u2000', U'\u200a', U'\u2028', U'\u2029', U'\u202f', U'\u205f', U'\u3000'}) {
    EXPECT_TRUE(vsr::utf8::IsWhiteSpace(c)) << static_cast<uint32_t>(c);
  }
  for (char32_t c : {U'a', U'\0', U'\u200b', U'\u180e', U'\ufeff', U'\u0008', U'\u001c'}) {
    EXPECT_FALSE(vsr::utf8::IsWhiteSpace(c)) << static_cast<uint32_t>(c);
  }
}

namespace vsr {
namespace {

TEST(StringsTest, SplitListTrimsAndDropsEmptyItems) {
  EXPECT_EQ(SplitList(" admins, ops ,,dev "), (std::vector<std::string>{"admins", "ops", "dev"}));
  EXPECT_EQ(SplitList("a;b", ';'), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_TRUE(SplitList(" , ").empty());
}

TEST(Utf8Test, PrefixCutsOnlyBetweenCharacters) {
  EXPECT_EQ(utf8::Prefix("abc", 10), "abc");
  EXPECT_EQ(utf8::Prefix("abcdef", 3), "abc");
  EXPECT_EQ(utf8::Prefix("héllo", 2), "h");  // é is two bytes: not split
  EXPECT_EQ(utf8::Prefix("héllo", 3), "hé");
  EXPECT_EQ(utf8::Prefix("日本", 2), "");
}

TEST(StringsTest, RandomHexHasTheAskedLengthOfLowerCaseDigitsAndDiffers) {
  for (size_t n : {1, 15, 16, 17, 24, 32, 33}) {
    const std::string a = RandomHex(n), b = RandomHex(n);
    ASSERT_EQ(a.size(), n);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
    if (n >= 16) {
      EXPECT_NE(a, b);
    }
  }
  const uint8_t bytes[] = {0x00, 0xff, 0x10, 0xab, 0x09};
  char out[10];
  EXPECT_EQ(WriteHex(out, bytes, sizeof bytes), out + 10);
  EXPECT_EQ(std::string(out, 10), "00ff10ab09");
}

TEST(StringsTest, ToLowerFoldsAsciiLettersOnly) {
  std::string all;
  for (int b = 1; b < 256; ++b) all += static_cast<char>(b);
  const std::string lowered = ToLower(all);
  ASSERT_EQ(lowered.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const auto b = static_cast<unsigned char>(all[i]);
    EXPECT_EQ(static_cast<unsigned char>(lowered[i]), b >= 'A' && b <= 'Z' ? b + 32 : b) << i;
  }
  EXPECT_EQ(ToLower("Content-Type"), "content-type");
}

TEST(Utf8Test, ToLowerLowersEveryAsciiLetterAndUnicodeAroundThem) {
  // ASCII is lowered a word at a time: every byte value, at every position of a word, next to
  // multi-byte characters, must come out as the one-character rule says.
  for (int b = 1; b < 0x80; ++b) {
    for (size_t at = 0; at < 17; ++at) {
      std::string text(17, 'Q');
      text[at] = static_cast<char>(b);
      std::string expected(17, 'q');
      expected[at] = static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b);
      EXPECT_EQ(utf8::ToLower(text), expected) << "byte " << b << " at " << at;
    }
  }
  EXPECT_EQ(utf8::ToLower("HELLO WORLD ÉCOLE ÀBC Straße ΣΟΦΙΑ 日本 THE END"),
            "hello world école àbc straße σοφια 日本 the end");
  EXPECT_EQ(utf8::ToLower("ABCDEFGH\xff\xfeIJKLMNOP"), "abcdefgh\xff\xfeijklmnop");  // kept
}

// The text lowered in place equals it lowered a character at a time, on random mixes of
// ASCII, two-, three- and four-byte characters, capitals of every mapped script and malformed
// bytes.
TEST(Utf8Test, ToLowerInPlaceEqualsCharacterByCharacter) {
  const std::vector<std::string> atoms = {
      "A",        "z",        "Hello ",       "\xC3\x89",  "\xC3\xA9",     "\xCE\xA3",
      "\xD0\x96", "\xD0\x81", "\xC4\x80",     "\xC4\xB0",  "\xE6\x97\xA5", "\xF0\x9F\x98\x80",
      "\xFF",     "\xC3",     "\xE0\x80\xB0", "WORDSWORDS"};
  std::mt19937 rng(3);
  for (int round = 0; round < 500; ++round) {
    std::string text;
    for (size_t k = rng() % 30; k > 0; --k) text += atoms[rng() % atoms.size()];
    std::string expected;
    for (size_t i = 0; i < text.size();) {
      const size_t start = i;
      const char32_t c = utf8::Next(text, i);
      const char32_t lower = utf8::ToLower(c);
      if (lower == c) {
        expected.append(text, start, i - start);
      } else {
        utf8::Append(expected, lower);
      }
    }
    EXPECT_EQ(utf8::ToLower(text), expected) << "round " << round;
  }
}

TEST(Rfc3339Test, WholeSecondsInUtc) {
  EXPECT_EQ(Rfc3339Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Rfc3339Utc(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(Rfc3339Utc(1796354211), "2026-12-04T03:16:51Z");
}

}  // namespace
}  // namespace vsr
