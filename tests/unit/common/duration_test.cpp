// Go duration strings both ways: what config files say, and how messages say it back.
#include "common/duration.h"

#include <gtest/gtest.h>

namespace vsr {
namespace {

using std::chrono::milliseconds;

TEST(GoDuration, ParsesWhatGoParses) {
  EXPECT_EQ(ParseGoDuration("300s"), milliseconds(300000));
  EXPECT_EQ(ParseGoDuration("1m30s"), milliseconds(90000));
  EXPECT_EQ(ParseGoDuration("1.5h"), milliseconds(5400000));
  EXPECT_EQ(ParseGoDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseGoDuration("0"), milliseconds(0));
  EXPECT_EQ(ParseGoDuration("10"), std::nullopt);  // a number needs its unit
  EXPECT_EQ(ParseGoDuration("1d"), std::nullopt);
  EXPECT_EQ(ParseGoDuration(""), std::nullopt);
  EXPECT_EQ(ParseGoDuration("1..5s"), std::nullopt);
}

TEST(GoDuration, FormatsAsGoWritesItAndParsesBack) {
  EXPECT_EQ(FormatGoDuration(milliseconds(0)), "0ms");
  EXPECT_EQ(FormatGoDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatGoDuration(milliseconds(1000)), "1s");
  EXPECT_EQ(FormatGoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatGoDuration(milliseconds(1050)), "1.05s");
  EXPECT_EQ(FormatGoDuration(milliseconds(90000)), "1m30s");
  EXPECT_EQ(FormatGoDuration(milliseconds(7200000)), "2h0m0s");
  EXPECT_EQ(FormatGoDuration(milliseconds(-2000)), "-2s");
  for (const int64_t ms : {1, 999, 1000, 1001, 59999, 60000, 3600001, 86400000}) {
    EXPECT_EQ(ParseGoDuration(FormatGoDuration(milliseconds(ms))), milliseconds(ms)) << ms;
  }
}

}  // namespace
}  // namespace vsr
