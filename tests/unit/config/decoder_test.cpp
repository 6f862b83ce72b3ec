#include "config/decoder.h"

#include <gtest/gtest.h>

namespace vsr::config {
namespace {

struct Inner {
  int port = 0;
  std::string mode;
};
struct Outer {
  std::string name;
  bool enabled = false;
  double threshold = 0.5;
  std::vector<Inner> items;
};
void DecodeFields(MapReader& r, Inner& v) {
  r.Required("port", v.port, IntBetween(1, 65535));
  r.Optional("mode", v.mode, OneOf({"replace", "insert"}));
}
void DecodeFields(MapReader& r, Outer& v) {
  r.Required("name", v.name);
  r.Optional("enabled", v.enabled);
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("items", v.items);
}

std::vector<std::string> DecodeAndFormat(const std::string& text, Outer& out) {
  Diagnostics diags;
  auto root = ParseYaml(text, std::make_shared<const std::string>("t.yaml"), diags);
  EXPECT_TRUE(root);
  DecodeContext ctx(diags);
  Decode(*root, "", ctx, out);
  diags.SortByPosition();
  std::vector<std::string> lines;
  for (const Diagnostic& d : diags.items()) lines.push_back(d.Format());
  return lines;
}

TEST(DecoderTest, DecodesValidInputAndKeepsDefaults) {
  Outer out;
  EXPECT_TRUE(DecodeAndFormat("name: x\nitems:\n  - port: 80\n", out).empty());
  EXPECT_EQ(out.name, "x");
  EXPECT_DOUBLE_EQ(out.threshold, 0.5);
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_EQ(out.items[0].port, 80);
}

TEST(DecoderTest, ReportsEveryProblemWithPositionPathAndFix) {
  Outer out;
  const auto lines = DecodeAndFormat(
      "name: x\nenabeld: true\nenabled: \"yes\"\nthreshold: 1.5\nitems:\n  - port: http\n"
      "  - port: 99999\n    mode: replase\n  - mode: insert\n",
      out);
  const std::vector<std::string> expected = {
      "t.yaml:2:1: enabeld: unknown key 'enabeld'; did you mean 'enabled'?",
      "t.yaml:3:10: enabled: expected a boolean, got the string \"yes\"; remove the quotes around the value",
      "t.yaml:4:12: threshold: 1.5 is out of range; use a value between 0 and 1",
      "t.yaml:6:11: items[0].port: expected an integer, got 'http'; write a whole number such as 10",
      "t.yaml:7:11: items[1].port: 99999 is out of range; use a value between 1 and 65535",
      "t.yaml:8:11: items[1].mode: 'replase' is not a valid value; did you mean 'replace'? Allowed: 'replace', 'insert'",
      "t.yaml:9:5: items[2]: missing required field 'port'; add 'port:' here",
  };
  EXPECT_EQ(lines, expected);
}

TEST(DecoderTest, WrongContainerKinds) {
  Outer out;
  const auto lines = DecodeAndFormat("name: [a]\nitems: {port: 1}\n", out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "t.yaml:1:7: name: expected a string, got a list; write a single value");
  EXPECT_EQ(lines[1],
            "t.yaml:2:8: items: expected a list, got a mapping; write the items as '- item' lines or [a, b]");
}

}  // namespace
}  // namespace vsr::config
