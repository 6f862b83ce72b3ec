#include "common/strings.h"

#include <gtest/gtest.h>

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

TEST(StringsTest, TrimAndCase) {
  EXPECT_EQ(Trim("  a b \n"), "a b");
  EXPECT_TRUE(IEquals("AnD", "and"));
  EXPECT_EQ(QuotedList(std::vector<std::string>{"a", "b"}), "'a', 'b'");
}

}  // namespace
}  // namespace vsr
