#include "config/yaml_tree.h"

#include <gtest/gtest.h>

namespace vsr::config {
namespace {

std::optional<YamlNode> Parse(const std::string& text, Diagnostics& diags) {
  return ParseYaml(text, std::make_shared<const std::string>("t.yaml"), diags);
}

TEST(YamlTreeTest, KeepsLineAndColumnOfKeysAndValues) {
  Diagnostics diags;
  auto root = Parse("a:\n  b: 1\n  c: [x, \"y\"]\n", diags);
  ASSERT_TRUE(root);
  const YamlNode* a = root->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->entries[0].key_mark.line, 2);
  EXPECT_EQ(a->entries[0].key_mark.column, 3);
  const YamlNode* c = a->Find("c");
  ASSERT_TRUE(c && c->IsSequence());
  EXPECT_FALSE(c->items[0].quoted);
  EXPECT_TRUE(c->items[1].quoted);
  EXPECT_EQ(c->items[1].mark.line, 3);
}

TEST(YamlTreeTest, ReportsSyntaxErrorsWithPosition) {
  Diagnostics diags;
  EXPECT_FALSE(Parse("a: [1, 2\nb: 3\n", diags));
  ASSERT_EQ(diags.error_count(), 1u);
  EXPECT_GT(diags.items()[0].mark.line, 0);
  EXPECT_NE(diags.items()[0].message.find("invalid YAML"), std::string::npos);
}

TEST(YamlTreeTest, RejectsDuplicateKeys) {
  Diagnostics diags;
  EXPECT_FALSE(Parse("a: 1\nb: 2\na: 3\n", diags));
  ASSERT_EQ(diags.error_count(), 1u);
  EXPECT_EQ(diags.items()[0].Format(),
            "t.yaml:3:1: duplicate key 'a'; it is already defined at line 1; keep one of them");
}

TEST(YamlTreeTest, LimitsNesting) {
  Diagnostics diags;
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  EXPECT_FALSE(Parse(deep, diags));
  ASSERT_EQ(diags.error_count(), 1u);
  EXPECT_NE(diags.items()[0].message.find("nesting is deeper than 64"), std::string::npos);
}

TEST(YamlTreeTest, LimitsAliasExpansion) {
  // Each level references the previous one ten times: 10^9 nodes if expanded naively.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = std::string(1, c);
  }
  Diagnostics diags;
  EXPECT_FALSE(Parse(bomb, diags));
  ASSERT_GE(diags.error_count(), 1u);
  EXPECT_NE(diags.items()[0].message.find("expands to more than"), std::string::npos);
}

TEST(YamlTreeTest, MissingFileIsADiagnostic) {
  Diagnostics diags;
  EXPECT_FALSE(ParseYamlFile("/nonexistent/dir/config.yaml", diags));
  ASSERT_EQ(diags.error_count(), 1u);
  EXPECT_NE(diags.items()[0].Format().find("/nonexistent/dir/config.yaml: cannot read the file"),
            std::string::npos);
}

TEST(YamlEmitTest, RoundTripsStructureAndQuotesAmbiguousScalars) {
  Diagnostics diags;
  const std::string text =
      "name: demo\nport: 8080\nversion: \"2025-03-01\"\nflag: \"true\"\nlist:\n  - a\n  - b: 1\n"
      "    c: \"x: y\"\nempty: []\nnested:\n  - [1, 2]\n";
  auto root = Parse(text, diags);
  ASSERT_TRUE(root);
  const std::string emitted = EmitYaml(*root);
  auto again = Parse(emitted, diags);
  ASSERT_TRUE(again) << emitted;
  EXPECT_EQ(EmitYaml(*again), emitted);
  EXPECT_TRUE(again->Find("flag")->quoted);  // "true" stays a string
  EXPECT_FALSE(again->Find("port")->quoted);
  EXPECT_EQ(again->Find("list")->items[1].Find("c")->scalar, "x: y");
}

TEST(YamlEmitTest, WritesCommentsAboveKeys) {
  YamlNode root = YamlNode::Map();
  YamlNode& v = root.GetOrAdd("routing");
  v = YamlNode::Map();
  v.comment = "moved from top-level keyword_rules";
  v.GetOrAdd("x") = YamlNode::Scalar("1");
  EXPECT_EQ(EmitYaml(root), "# moved from top-level keyword_rules\nrouting:\n  x: 1\n");
}

}  // namespace
}  // namespace vsr::config
